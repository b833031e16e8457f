import { existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/** One edge function calling `PredictLTV` over fetch, bundled for Vercel's edge runtime. */
export interface FetchBundleRow {
  /** What the function calls through. */
  name: string;
  minifiedBytes: number;
  gzipBytes: number;
}

/** An edge function answering one `PredictLTV` as JSON, with `setup` making `predict`. */
const edgeFunction = (setup: string) => `
${setup}
export default {
  async fetch(request) {
    const { customerId, platform } = await request.json();
    return Response.json(await predict({ customerId, platform }));
  },
};
`;

/** Connect's `createClient` on `transport`, with `SyncValueService` from the package. */
const connectClient = (imports: string, transport: string) =>
  edgeFunction(`
import { createClient } from "@connectrpc/connect";
import { SyncValueService } from "syncvalue";
${imports}
const client = createClient(SyncValueService, ${transport});
const predict = (request) => client.predictLTV(request, { timeoutMs: 50 });
`);

const functions: { name: string; code: string }[] = [
  {
    name: "createPredictionClient (our fetch transport inside; validation, deadline, metrics; cache off)",
    code: edgeFunction(`
import { createPredictionClient } from "syncvalue";
const client = createPredictionClient({ endpoint: "https://ltv.example.com", cache: false, timeoutMs: 50 });
const predict = (request) => client.prediction.predictLTV(request);
`),
  },
  {
    name: "Connect client + syncvalue createFetchTransport (Connect protocol)",
    code: connectClient(`import { createFetchTransport } from "syncvalue";`, `createFetchTransport({ baseUrl: "https://ltv.example.com" })`),
  },
  {
    name: "Connect client + syncvalue createFetchTransport (gRPC-web)",
    code: connectClient(`import { createFetchTransport } from "syncvalue";`, `createFetchTransport({ baseUrl: "https://ltv.example.com", protocol: "grpc-web" })`),
  },
  {
    name: "Connect client + connect-web createConnectTransport (binary)",
    code: connectClient(`import { createConnectTransport } from "@connectrpc/connect-web";`, `createConnectTransport({ baseUrl: "https://ltv.example.com", useBinaryFormat: true })`),
  },
  {
    name: "Connect client + connect-web createGrpcWebTransport",
    code: connectClient(`import { createGrpcWebTransport } from "@connectrpc/connect-web";`, `createGrpcWebTransport({ baseUrl: "https://ltv.example.com" })`),
  },
];

/**
 * The fetch transport's bundle against connect-web's: the same edge function
 * calling `PredictLTV` through Connect's client on each transport (and through
 * `createPredictionClient` for scale), bundled from the built package (dist/,
 * as an installed `syncvalue` resolves) as scripts/check-bundle-size.mjs does
 * for Vercel's edge runtime: esbuild, minified, `edge-light` conditions,
 * gzipped at level 9. `npm run build` first.
 */
export async function runFetchBundleSection(root: string): Promise<FetchBundleRow[]> {
  if (!existsSync(join(root, "dist", "index.js"))) throw new Error("fetch bundles: dist/ is missing; run `npm run build` first");
  const rows: FetchBundleRow[] = [];
  for (const f of functions) {
    const out = await build({
      stdin: { contents: f.code, resolveDir: root, sourcefile: "edge-function.js", loader: "js" },
      bundle: true,
      write: false,
      minify: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      conditions: ["edge-light", "worker", "browser"],
      mainFields: ["browser", "module", "main"],
      // Resolve `syncvalue` as an installed package (dist/ through "exports"), not through the repo's tsconfig paths.
      tsconfigRaw: "{}",
      logLevel: "silent",
    });
    const code = out.outputFiles[0]!.text;
    rows.push({ name: f.name, minifiedBytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length });
  }
  return rows;
}
