import { defineConfig, type Plugin } from "tsup";

// Points the built chunks' `msgpackr/unpack` imports at msgpackr's no-eval build
// (msgpackr stays an external dependency; esbuild's `alias` and resolve hooks
// do not reach past tsup's external handling, so the output is rewritten).
const msgpackrNoEval: Plugin = {
  name: "msgpackr-no-eval",
  renderChunk(code) {
    return { code: code.replace(/(from\s*|import\s*\(\s*|require\s*\(\s*)(["'])msgpackr(?:\/unpack)?\2/g, "$1$2msgpackr/unpack-no-eval$2") };
  },
};

// One build for the package. Entries map onto package.json "exports":
// - index: the edge-safe core (fetch-based Connect), for edge-light, browsers
//   and anything unnamed (second block)
// - index-node: the same API with Node transports (connect-node HTTP/2, node:net)
// - server/index: the reference server (Node only)
// - bid/index: pure bid helpers, no I/O
// - otel/index: OpenTelemetry for clients (`syncvalue/otel`), edge-safe; its
//   peer @opentelemetry/api stays external, loaded only by this entry
// - fleet/index: the fleet budget ledger on Redis (its own entry: never in the
//   core or bid bundles; Redis clients are optional peer dependencies)
// - cli/syncvalue-cli: `npx syncvalue serve`
// - index-bun, index-deno, index-workerd: the runtimes' own builds
// The edge core and the runtime builds come from the second and third blocks.
// Each block's `name` prefixes its lines in `npm run build` (scripts/build.mjs).
export default defineConfig([
  {
    name: "node, server, bid, cli",
    entry: {
      "index-node": "src/index-node.ts",
      "server/index": "src/server/index.ts",
      "bid/index": "src/bid/index.ts",
      "otel/index": "src/otel/index.ts",
      "fleet/index": "src/fleet/index.ts",
      "cli/syncvalue-cli": "src/cli/syncvalue-cli.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    // No `clean`: tsup's clean also deletes every .d.ts/.d.cts in dist/ when this
    // block's declarations start building, which races the other blocks'
    // declarations (dist/index.d.cts went missing). scripts/build.mjs empties
    // dist/ once, before any block runs.
    target: "es2022",
    splitting: true,
    treeshake: true,
  },
  {
    // Every runtime other than Node loads these ESM modules, one file per
    // source module (not bundled): an edge bundler then drops whole modules
    // the function does not use (package.json "sideEffects": false), which a
    // shared chunk would defeat. msgpackr is swapped for its no-eval build
    // (edge runtimes forbid code generation; Bun and Deno need no native
    // addon). No `clean` here: scripts/build.mjs empties dist/.
    name: "edge core and runtime builds",
    entry: [
      "src/**/*.ts",
      "!src/**/*.d.ts",
      "!src/bid/**",
      "!src/otel/**",
      "!src/fleet/**",
      "!src/cli/**",
      "!src/node/**",
      "!src/server/**",
      "!src/**/*-node.ts",
      "!src/index-node.ts",
    ],
    bundle: false,
    format: ["esm"],
    dts: {
      entry: {
        index: "src/index.ts",
        "index-bun": "src/index-bun.ts",
        "index-deno": "src/index-deno.ts",
        "index-workerd": "src/index-workerd.ts",
      },
    },
    sourcemap: true,
    target: "es2022",
    plugins: [msgpackrNoEval],
  },
  {
    // `require("syncvalue")` outside Node: the edge core as one CommonJS file.
    name: "edge core, CommonJS",
    entry: { index: "src/index.ts" },
    format: ["cjs"],
    dts: true,
    sourcemap: true,
    target: "es2022",
    plugins: [msgpackrNoEval],
  },
  {
    // Examples run against the built package, as a user's code would:
    // `syncvalue` resolves to dist/ through package.json "exports".
    name: "examples",
    entry: [
      "examples/demo.ts",
      "examples/aws-lambda-handler.ts",
      "examples/cloudflare-worker.ts",
      "examples/vercel-edge-function.ts",
      "examples/node-bidder-service.ts",
      "examples/bid-only-embed.ts",
    ],
    outDir: ".build/examples",
    format: ["esm"],
    sourcemap: true,
    clean: true,
    target: "es2022",
    external: [/^syncvalue(\/.*)?$/],
  },
]);
