import { defineConfig } from "vitest/config";

// `npm run test:unit`: the pure tests, for a fast loop while editing. No build
// (src/ is imported directly), no server, no child process, no socket. A file
// that starts a server or reads dist/ belongs in the full `npm test`, not here;
// so do the property-based suites (test/protobuf-codec/, test/fuzz/), pure
// but tens of seconds of CPU each.
export default defineConfig({
  test: {
    include: [
      "test/bid/*.test.ts",
      "test/call/backoff.test.ts",
      "test/call/call-deadline.test.ts",
      "test/client/request-message.test.ts",
      "test/layers/compose-layers.test.ts",
      "test/metrics/latency-histogram.test.ts",
      "test/otel/server-address.test.ts",
      "test/resilience/circuit-breaker-state.test.ts",
      "test/server/baseline-ltv-model.test.ts",
      "test/server/memory-concept-store.test.ts",
      "test/server/model-health-tracker.test.ts",
      "test/server/serve-arguments.test.ts",
      "test/tcp/codec.test.ts",
      "test/tcp/msgpack-bounds.test.ts",
      "test/validation/prediction-request-memo.test.ts",
      "test/web/wire-status.test.ts",
      "test/docs/docs-links.test.ts",
    ],
    pool: "threads",
    maxWorkers: 2,
    testTimeout: 10_000,
  },
});
