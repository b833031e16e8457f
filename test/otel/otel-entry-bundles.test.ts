// `syncvalue/otel` is the only way into @opentelemetry/*: bundling the
// package's main entry for the edge or Node pulls in none of it, and the otel
// entry itself bundles for the edge (no node: module). Resolved from the BUILT
// package through package.json "exports", as a user's bundler would.
import { describe, expect, it } from "vitest";
import { bundleGuest } from "../runtimes/support/bundle-guest.js";

const otel = (inputs: string[]) => inputs.filter((i) => i.includes("@opentelemetry/") || /dist\/otel\//.test(i));

describe("the syncvalue/otel entry", () => {
  it("is not reached from syncvalue itself (edge-light, workerd, node)", async () => {
    const code = `import { createClient, createPredictionClient } from "syncvalue";
      export default { fetch: async () => new Response(String([createClient, createPredictionClient].length)) };`;
    for (const [name, conditions] of [
      ["edge-light", ["edge-light", "worker", "browser"]],
      ["workerd", ["workerd", "worker", "browser"]],
      ["node", ["node"]],
    ] as const) {
      const { inputs } = await bundleGuest({
        stdin: code,
        outfile: `otel-free-${name}.js`,
        conditions: [...conditions],
        format: "esm",
        // Everything but the package and @opentelemetry/* stays out: only what the package reaches matters.
        external: ["cloudflare:sockets", "node:*", "net", "tls", "http2", "msgpackr", "msgpackr/*", "@connectrpc/*", "@bufbuild/*", "lru-cache"],
      });
      // The bundle did reach the package (else the check below proves nothing).
      expect(inputs.some((i) => /(^|\/)dist\//.test(i)), name).toBe(true);
      expect(otel(inputs), name).toEqual([]);
    }
  });

  it("bundles for an edge runtime with @opentelemetry/api and no node: module", async () => {
    const { inputs, code } = await bundleGuest({
      stdin: `import { createClient } from "syncvalue"; import { openTelemetry } from "syncvalue/otel";
        export default { fetch: async () => new Response(String(createClient({ prediction: "https://ltv.example", telemetry: openTelemetry() }) !== undefined)) };`,
      outfile: "otel-edge.js",
      conditions: ["edge-light", "worker", "browser"],
      format: "esm",
    });
    expect(inputs.some((i) => i.includes("node_modules/@opentelemetry/api/"))).toBe(true);
    expect(inputs.some((i) => /dist\/otel\/index\.js$/.test(i))).toBe(true);
    expect(inputs.filter((i) => i.startsWith("node:"))).toEqual([]);
    expect(code).not.toMatch(/from\s*["']node:/);
  });
});
