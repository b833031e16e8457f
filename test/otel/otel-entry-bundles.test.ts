// `syncvalue/otel` is the only way into @opentelemetry/*: bundling the
// package's main entry for the edge or Node pulls in none of it, and the otel
// entry itself bundles for the edge (no node: module) and runs there, in
// Vercel's edge-runtime. Resolved from the BUILT package through package.json
// "exports", as a user's bundler would.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { EdgeRuntime } from "edge-runtime";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
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
        external: ["cloudflare:sockets", "node:*", "net", "tls", "http2", "module", "msgpackr", "msgpackr/*", "@connectrpc/*", "@bufbuild/*", "lru-cache"],
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

describe("syncvalue/otel in an edge runtime", () => {
  // The reference server's prediction service over HTTP/1.1 (what the edge
  // runtime's fetch speaks), recording each request's traceparent.
  let server: ReferenceServer;
  let h1: http.Server;
  let url: string;
  const seen: (string | null)[] = [];
  beforeAll(async () => {
    server = await createServer();
    const record: Interceptor = (next) => (req) => {
      seen.push(req.header.get("traceparent"));
      return next(req);
    };
    h1 = http.createServer(connectNodeAdapter({ routes: (router) => router.service(SyncValueService, server.prediction), interceptors: [record] }));
    await new Promise<void>((resolve) => h1.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(h1.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    h1.closeAllConnections();
    await new Promise<void>((resolve) => h1.close(() => resolve()));
    await server.close();
  });

  it("edge-runtime (Vercel): a span per call and its traceparent on the request", async () => {
    // platform "browser", as an edge bundler resolves: the OpenTelemetry SDK
    // packages swap their Node platform code for the browser one only through
    // package.json "browser" maps, which esbuild applies on that platform.
    const built = await build({
      entryPoints: [new URL("./guest/otel-edge-function.ts", import.meta.url).pathname],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      target: "es2022",
      conditions: ["edge-light", "worker", "browser"],
      tsconfigRaw: "{}",
      logLevel: "silent",
      metafile: true,
    });
    const code = built.outputFiles[0]!.text;
    const inputs = Object.keys(built.metafile.inputs);
    expect(inputs).toContain("dist/otel/index.js");
    const runtime = new EdgeRuntime({ initialCode: code });
    const response = await runtime.dispatchFetch(`http://edge.local/?${new URLSearchParams({ url })}`);
    await response.waitUntil();
    const result = (await response.json()) as { error?: string; requestId: string; spans: { name: string; traceId: string; spanId: string; attributes: Record<string, unknown> }[] };
    expect(result.error).toBeUndefined();
    expect(result.requestId).toBe("r-edge");
    expect(result.spans).toHaveLength(1);
    const [span] = result.spans;
    expect(span!.name).toBe("syncvalue.v1.SyncValueService/PredictLTV");
    expect(span!.attributes).toMatchObject({ "rpc.system.name": "connectrpc", "syncvalue.transport": "connect", "server.address": "127.0.0.1" });
    expect(seen).toEqual([`00-${span!.traceId}-${span!.spanId}-01`]);
  });
});
