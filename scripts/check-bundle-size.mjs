#!/usr/bin/env node
// Bundles what an edge function ships (the prediction client over Connect,
// the response cache and the bid helpers) from the BUILT package the way
// Vercel and wrangler do, then:
// - prints its size minified and gzipped, and fails above the budget;
// - fails when the bundle reaches a `node:` module, `eval` or `new Function`
//   (edge runtimes have neither).
// `npm run build` first.
// Usage: node scripts/check-bundle-size.mjs [--max-kib N] [--entry FILE] [--json]
//   --max-kib N   fail above N KiB gzipped (default: the target, 40)
//   --entry FILE  bundle this edge function instead of the built-in one
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** The target for the edge bundle, in KiB of minified + gzipped code. */
const targetKiB = 40;
const maxArg = process.argv.indexOf("--max-kib");
/** Where the check fails; above the target only a warning is printed. */
const budgetKiB = maxArg > 0 ? Number(process.argv[maxArg + 1]) : targetKiB;
if (!Number.isFinite(budgetKiB) || budgetKiB <= 0) throw new Error("--max-kib: expected a positive number");

// A realistic edge function: one prediction, cached, turned into a bid.
const edgeFunction = `
import { createClient } from "syncvalue";
import { createBidder } from "syncvalue/bid";
const client = createClient({ prediction: "https://ltv.example.com", cache: true, timeoutMs: 50 });
const bidder = createBidder({ budget: { amount: 1000, periodStart: 0, periodEnd: 86400000 } });
export default {
  async fetch(request) {
    const { customerId, platform } = await request.json();
    const prediction = await client.prediction.predictLTV({ customerId, platform });
    return Response.json(bidder.bid({ prediction, conversionRate: 0.01, platform, auction: { at: 1 } }));
  },
};
`;

const entryArg = process.argv.indexOf("--entry");
const entryCode = entryArg > 0 ? readFileSync(process.argv[entryArg + 1], "utf8") : edgeFunction;

const targets = [
  // Vercel edge functions and browsers: HTTP only (connect-web over fetch).
  { name: "edge (edge-light)", conditions: ["edge-light", "worker", "browser"], external: [], budget: true },
  // Cloudflare Workers: also carries the raw TCP transport over cloudflare:sockets.
  { name: "workerd", conditions: ["workerd", "worker", "browser"], external: ["cloudflare:sockets"], budget: false },
];

const results = [];
const problems = [];
for (const target of targets) {
  let out;
  try {
    out = await build({
      stdin: { contents: entryCode, resolveDir: root, sourcefile: "edge-function.js", loader: "js" },
      bundle: true,
      write: false,
      minify: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      conditions: target.conditions,
      mainFields: ["browser", "module", "main"],
      external: target.external,
      metafile: true,
      // Resolve `syncvalue` as an installed package (dist/ through "exports"), not through the repo's tsconfig paths.
      tsconfigRaw: "{}",
      logLevel: "silent",
    });
  } catch (e) {
    // A `node:` import fails resolution on the neutral platform: that is the lint failing.
    problems.push(`${target.name}: does not bundle for an edge runtime: ${e.message.split("\n").slice(0, 6).join(" | ")}`);
    continue;
  }
  const code = out.outputFiles[0].text;
  const min = Buffer.byteLength(code);
  const gz = gzipSync(code, { level: 9 }).length;
  const inputs = Object.keys(out.metafile.inputs);
  const nodeImports = [...code.matchAll(/["'](node:[\w/]+)["']/g)].map((m) => m[1]);
  if (nodeImports.length) problems.push(`${target.name}: reaches ${[...new Set(nodeImports)].join(", ")}`);
  if (/\beval\s*\(/.test(code)) problems.push(`${target.name}: contains eval(`);
  if (/\bnew\s+Function\s*\(|(?<![\w$.])Function\s*\(/.test(code)) problems.push(`${target.name}: contains new Function(`);
  const sizeOf = (pattern) =>
    Object.entries(out.metafile.outputs)[0][1].inputs &&
    Object.entries(Object.values(out.metafile.outputs)[0].inputs)
      .filter(([path]) => pattern.test(path))
      .reduce((sum, [, v]) => sum + v.bytesInOutput, 0);
  const parts = {
    "syncvalue (dist)": sizeOf(/^dist\//),
    "@connectrpc": sizeOf(/node_modules\/@connectrpc\//),
    "@bufbuild/protobuf": sizeOf(/node_modules\/@bufbuild\/protobuf\//),
    "lru-cache": sizeOf(/node_modules\/lru-cache\//),
    msgpackr: sizeOf(/node_modules\/msgpackr\//),
  };
  const result = { target: target.name, minifiedBytes: min, gzipBytes: gz, gzipKiB: +(gz / 1024).toFixed(1), modules: inputs.length, minifiedBytesByPart: parts };
  results.push(result);
  if (target.budget && gz > budgetKiB * 1024) problems.push(`${target.name}: ${result.gzipKiB} KiB gzipped, over the ${budgetKiB} KiB limit`);
  else if (target.budget && gz > targetKiB * 1024) {
    console.warn(`bundle ${target.name}: ${result.gzipKiB} KiB gzipped is ${(result.gzipKiB - targetKiB).toFixed(1)} KiB over the ${targetKiB} KiB target (limit ${budgetKiB} KiB)`);
  }
}

if (process.argv.includes("--json")) console.log(JSON.stringify(results, null, 2));
else {
  for (const r of results) {
    const parts = Object.entries(r.minifiedBytesByPart).filter(([, b]) => b > 0).map(([k, b]) => `${k} ${(b / 1024).toFixed(1)}`).join(", ");
    console.log(`bundle ${r.target}: ${(r.minifiedBytes / 1024).toFixed(1)} KiB minified, ${r.gzipKiB} KiB gzipped; minified KiB by part: ${parts}`);
  }
}
if (problems.length) {
  console.error(`bundle check: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("bundle check: edge bundles reach no node: module, eval or new Function");
