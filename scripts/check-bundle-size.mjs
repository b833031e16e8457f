#!/usr/bin/env node
// Bundles what an edge function ships from the BUILT package the way Vercel
// and wrangler do, then:
// - prints its size minified and gzipped, and fails above the budget;
// - fails when the bundle reaches a `node:` module, `eval` or `new Function`
//   (edge runtimes have neither).
// Edge functions:
// - the budgeted one, on createPredictionClient (the prediction client over
//   HTTP with the cache, and the bid helpers), one cached prediction turned
//   into a bid, for every runtime build a bundler targets: edge-light and
//   workerd (in a Worker, raw TCP ships only when passed as `tcpTransport`),
//   deno and bun (their pooled TCP is loaded through import() for tcp://
//   endpoints: a chunk of its own, printed apart);
// - the same on the batteries-included createClient (storage, retries,
//   hedging, breaker, batching, fallback ship too): edge-light, its own limit;
// - the prediction client alone, on every runtime: held to the 40 KB target.
// Bundled with code splitting; a row counts what the function loads at start.
// Every row has a limit that fails the check.
// `npm run build` first.
// Sizes are in KB of 1,000 bytes, as Connect-ES's size tables count them (in bytes).
// Usage: node scripts/check-bundle-size.mjs [--max-kb N] [--max-kb-full N] [--max-kb-sockets N] [--entry FILE] [--json] [--analyze]
//   --max-kb N          fail when the budgeted function (edge-light, workerd) is above N KB gzipped (default: the target, 40)
//   --max-kb-full N     fail when the createClient function is above N KB gzipped (default 47)
//   --max-kb-sockets N  fail when the deno or bun function is above N KB gzipped (default 49.1)
//   --max-kb-client N   fail when the prediction client alone (no bid helpers; every runtime) is above N KB (default 40)
//   --entry FILE        bundle this edge function instead of the budgeted one (the createClient row is then left out)
//   --analyze           also print where the budgeted bundles' bytes go, per package and
//                       per folder of ours: minified (esbuild's metafile) and gzipped
//                       (what leaving that part's bytes out would save, found through
//                       the bundle's source map), and the largest modules
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** The target for the edge bundle, in KB (1,000 bytes) of minified + gzipped code. */
const targetKB = 40;
/** Where the check fails; above the target only a warning is printed. */
const budgetKB = kbFlag("--max-kb", targetKB);
/** The createClient function's limit: it may not grow unnoticed either (45.3 KB gzipped on 2026-11-22; 46.6 KB with the misconfiguration checks). */
const fullLimitKB = kbFlag("--max-kb-full", 47);
/**
 * Deno's and Bun's function with the bid helpers: a limit of their own (66.0 KB while their builds carried
 * pooled raw TCP statically; 47.2 KB on 2026-12-05 with it loaded through import()).
 */
const socketsLimitKB = kbFlag("--max-kb-sockets", 49.1);
/** The prediction client alone (no bid helpers), on every runtime: always held to the target. */
const clientLimitKB = kbFlag("--max-kb-client", targetKB);

function kbFlag(name, fallback) {
  const at = process.argv.indexOf(name);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number`);
  return value;
}

/** A realistic edge function: one prediction, cached, turned into a bid, on the client `factory` makes. */
const edgeFunction = (factory, endpointOption) => `
import { ${factory} } from "syncvalue";
import { createBidder } from "syncvalue/bid";
const client = ${factory}({ ${endpointOption}: "https://ltv.example.com", cache: true, timeoutMs: 50 });
const bidder = createBidder({ budget: { amount: 1000, periodStart: 0, periodEnd: 86400000 } });
export default {
  async fetch(request) {
    const { customerId, platform } = await request.json();
    const prediction = await client.prediction.predictLTV({ customerId, platform });
    return Response.json(bidder.bid({ prediction, conversionRate: 0.01, platform, auction: { at: 1 } }));
  },
};
`;

/** The prediction client alone: one cached prediction answered as JSON, no bid helpers. */
const predictionFunction = `
import { createPredictionClient } from "syncvalue";
const client = createPredictionClient({ endpoint: "https://ltv.example.com", cache: true, timeoutMs: 50 });
export default {
  async fetch(request) {
    const { customerId, platform } = await request.json();
    return Response.json(await client.prediction.predictLTV({ customerId, platform }));
  },
};
`;

const entryArg = process.argv.indexOf("--entry");
const entryCode = entryArg > 0 ? readFileSync(process.argv[entryArg + 1], "utf8") : edgeFunction("createPredictionClient", "endpoint");

// Vercel edge functions and browsers: HTTP only (the lean Connect / gRPC-web transport over fetch).
const edgeLight = { conditions: ["edge-light", "worker", "browser"], external: [] };
// Cloudflare Workers: HTTP; raw TCP over cloudflare:sockets only when the function passes `tcpTransport`.
const workerd = { conditions: ["workerd", "worker", "browser"], external: ["cloudflare:sockets"] };
// Deno and Bun bundle for themselves (deno bundle, bun build): pooled TCP over their own sockets.
// Both have `node:` modules (lru-cache reaches node:diagnostics_channel there), so only eval is linted.
const deno = { conditions: ["deno"], external: [], nodeModules: true };
const bun = { conditions: ["bun"], external: [], nodeModules: true };
// Each row: a function for a runtime, and the limit that fails the check.
const targets = [
  { name: "edge (edge-light)", code: entryCode, ...edgeLight, limitKB: budgetKB, warnAboveKB: targetKB },
  { name: "workerd", code: entryCode, ...workerd, limitKB: budgetKB, warnAboveKB: targetKB },
  { name: "deno", code: entryCode, ...deno, limitKB: socketsLimitKB },
  { name: "bun", code: entryCode, ...bun, limitKB: socketsLimitKB },
  ...(entryArg > 0
    ? []
    : [
        { name: "edge with createClient (edge-light)", code: edgeFunction("createClient", "prediction"), ...edgeLight, limitKB: fullLimitKB },
        { name: "prediction client (edge-light)", code: predictionFunction, ...edgeLight, limitKB: clientLimitKB },
        { name: "prediction client (workerd)", code: predictionFunction, ...workerd, limitKB: clientLimitKB },
        { name: "prediction client (deno)", code: predictionFunction, ...deno, limitKB: clientLimitKB },
        { name: "prediction client (bun)", code: predictionFunction, ...bun, limitKB: clientLimitKB },
      ]),
];

const analyze = process.argv.includes("--analyze");
const results = [];
const problems = [];
for (const target of targets) {
  let out;
  try {
    out = await build({
      stdin: { contents: target.code, resolveDir: root, sourcefile: "edge-function.js", loader: "js" },
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
      // Code splitting, as bun build --splitting, Vite and Next.js do: what is only
      // reached through import() (the TCP transport on Deno and Bun) becomes a chunk
      // of its own, loaded when first used. Nothing is written; outdir only names the files.
      splitting: true,
      outdir: `${root}.build/bundle-check`,
      absWorkingDir: root,
      // Only --analyze needs the maps (to attribute output bytes to modules).
      ...(analyze ? { sourcemap: "external" } : {}),
      // Resolve `syncvalue` as an installed package (dist/ through "exports"), not through the repo's tsconfig paths.
      tsconfigRaw: "{}",
      logLevel: "silent",
    });
  } catch (e) {
    // A `node:` import fails resolution on the neutral platform: that is the lint failing.
    problems.push(`${target.name}: does not bundle for an edge runtime: ${e.message.split("\n").slice(0, 6).join(" | ")}`);
    continue;
  }
  const { initial, lazy } = splitOutputs(out);
  // What the function loads when it starts: the entry and the chunks it imports statically.
  const code = initial.map((o) => o.file.text).join("\n");
  const min = Buffer.byteLength(code);
  const gz = gzipSync(code, { level: 9 }).length;
  const lazyCode = lazy.map((o) => o.file.text).join("\n");
  const inputs = Object.keys(out.metafile.inputs);
  // The lint covers every chunk: a lazy one runs too when its endpoint is used.
  const allCode = `${code}\n${lazyCode}`;
  const nodeImports = [...allCode.matchAll(/["'](node:[\w/]+)["']/g)].map((m) => m[1]);
  if (nodeImports.length && !target.nodeModules) problems.push(`${target.name}: reaches ${[...new Set(nodeImports)].join(", ")}`);
  if (/\beval\s*\(/.test(allCode)) problems.push(`${target.name}: contains eval(`);
  if (/\bnew\s+Function\s*\(|(?<![\w$.])Function\s*\(/.test(allCode)) problems.push(`${target.name}: contains new Function(`);
  const bundleInputs = {};
  for (const o of initial) {
    for (const [path, v] of Object.entries(o.meta.inputs)) bundleInputs[path] = { bytesInOutput: (bundleInputs[path]?.bytesInOutput ?? 0) + v.bytesInOutput };
  }
  const sizeOf = (pattern) =>
    Object.entries(bundleInputs)
      .filter(([path]) => pattern.test(path))
      .reduce((sum, [, v]) => sum + v.bytesInOutput, 0);
  const parts = {
    "syncvalue (dist)": sizeOf(/^dist\//),
    "@connectrpc": sizeOf(/node_modules\/@connectrpc\//),
    "@bufbuild/protobuf": sizeOf(/node_modules\/@bufbuild\/protobuf\//),
    "lru-cache": sizeOf(/node_modules\/lru-cache\//),
    msgpackr: sizeOf(/node_modules\/msgpackr\//),
  };
  const result = { target: target.name, minifiedBytes: min, gzipBytes: gz, gzipKB: +(gz / 1000).toFixed(1), modules: inputs.length, minifiedBytesByPart: parts };
  // Chunks loaded only through import(), when first used: not in the figures above.
  if (lazy.length > 0) result.lazyChunks = { minifiedBytes: Buffer.byteLength(lazyCode), gzipBytes: gzipSync(lazyCode, { level: 9 }).length };
  results.push(result);
  if (analyze) result.analysis = analyzeChunks(initial, out);
  if (gz > target.limitKB * 1000) problems.push(`${target.name}: ${result.gzipKB} KB gzipped (${gz} bytes), over the ${target.limitKB} KB limit`);
  else if (target.warnAboveKB && gz > target.warnAboveKB * 1000) {
    console.warn(`bundle ${target.name}: ${result.gzipKB} KB gzipped is ${(result.gzipKB - target.warnAboveKB).toFixed(1)} KB over the ${target.warnAboveKB} KB target (limit ${target.limitKB} KB)`);
  }
}

// One line, so a caller can pick it out of the output.
if (process.argv.includes("--json")) console.log(JSON.stringify(results));
else {
  for (const r of results) {
    const parts = Object.entries(r.minifiedBytesByPart).filter(([, b]) => b > 0).map(([k, b]) => `${k} ${(b / 1000).toFixed(1)}`).join(", ");
    const lazy = r.lazyChunks ? `; loaded on first use (import()): ${(r.lazyChunks.minifiedBytes / 1000).toFixed(1)} KB minified, ${(r.lazyChunks.gzipBytes / 1000).toFixed(1)} KB gzipped` : "";
    console.log(`bundle ${r.target}: ${(r.minifiedBytes / 1000).toFixed(1)} KB minified, ${r.gzipKB} KB gzipped (${r.gzipBytes} bytes); minified KB by part: ${parts}${lazy}`);
    if (r.analysis) printAnalysis(r.analysis);
  }
}
if (problems.length) {
  console.error(`bundle check: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("bundle check: every row within its limit; edge bundles reach no node: module, none eval or new Function");

/**
 * The build's JS outputs, split into those loaded when the function starts
 * (the entry and, transitively, what it imports statically) and the rest
 * (reached only through import()). Each as `{ path, file, meta }`.
 */
function splitOutputs(out) {
  const byPath = new Map();
  for (const [path, meta] of Object.entries(out.metafile.outputs)) {
    if (path.endsWith(".map")) continue;
    const file = out.outputFiles.find((f) => f.path === `${root}${path}` || f.path.endsWith(`/${path}`));
    byPath.set(path, { path, file, meta });
  }
  const entry = [...byPath.values()].find((o) => o.meta.entryPoint !== undefined);
  const initial = [];
  const seen = new Set();
  const visit = (o) => {
    if (seen.has(o.path)) return;
    seen.add(o.path);
    initial.push(o);
    for (const i of o.meta.imports) if (i.kind === "import-statement" && byPath.has(i.path)) visit(byPath.get(i.path));
  };
  visit(entry);
  return { initial, lazy: [...byPath.values()].filter((o) => !seen.has(o.path)) };
}

/** `analyzeBundle` over each chunk loaded at start, summed per part and module. */
function analyzeChunks(initial, out) {
  const parts = new Map();
  const modules = [];
  for (const o of initial) {
    const mapFile = out.outputFiles.find((f) => f.path === `${o.file.path}.map`);
    const code = o.file.text;
    const a = analyzeBundle(code, gzipSync(code, { level: 9 }).length, JSON.parse(mapFile.text), o.meta.inputs);
    for (const p of a.parts) {
      const sum = parts.get(p.part) ?? { part: p.part, minifiedBytes: 0, gzipBytes: 0 };
      sum.minifiedBytes += p.minifiedBytes;
      sum.gzipBytes += p.gzipBytes;
      parts.set(p.part, sum);
    }
    modules.push(...a.largestModules);
  }
  return {
    parts: [...parts.values()].sort((a, b) => b.gzipBytes - a.gzipBytes),
    largestModules: modules.sort((a, b) => b.minifiedBytes - a.minifiedBytes).slice(0, 15),
  };
}

/** Which part of the bundle a module belongs to: an npm package, or one of our folders. */
function partOf(path) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (pkg) return pkg[1];
  const ours = /(?:^|\/)(?:src|dist)\/(?:([\w-]+)\/)?/.exec(path);
  if (ours) return `syncvalue ${ours[1] ? `${ours[1]}/` : "(entry files)"}`;
  return path;
}

/** Decodes a source map's mappings into output ranges [start, end) per source index. */
function mappedRanges(code, map) {
  const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === "\n") lineStarts.push(i + 1);
  const ranges = [];
  let source = 0;
  map.mappings.split(";").forEach((line, lineNo) => {
    let column = 0;
    let open;
    for (const segment of line.split(",")) {
      if (!segment) continue;
      const fields = [];
      let value = 0;
      let shift = 0;
      for (const ch of segment) {
        const d = digits.indexOf(ch);
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += fields[0];
      const at = lineStarts[lineNo] + column;
      if (open) open.end = at;
      open = undefined;
      if (fields.length >= 4) {
        source += fields[1];
        open = { start: at, end: at, source };
        ranges.push(open);
      }
    }
    if (open) open.end = lineNo + 1 < lineStarts.length ? lineStarts[lineNo + 1] : code.length;
  });
  return ranges;
}

/**
 * Where the bytes go. Minified sizes come from the metafile; a part's gzip
 * share is how much smaller the gzipped bundle gets without its bytes (an
 * estimate: gzip shares repeated strings across parts).
 */
function analyzeBundle(code, gz, map, inputs) {
  const ranges = mappedRanges(code, map);
  const byPart = new Map();
  for (const r of ranges) {
    const part = partOf(map.sources[r.source] ?? "?");
    if (!byPart.has(part)) byPart.set(part, []);
    byPart.get(part).push(r);
  }
  const minified = new Map();
  for (const [path, v] of Object.entries(inputs)) minified.set(partOf(path), (minified.get(partOf(path)) ?? 0) + v.bytesInOutput);
  const parts = [...byPart].map(([part, list]) => {
    list.sort((a, b) => a.start - b.start);
    let rest = "";
    let at = 0;
    for (const r of list) {
      rest += code.slice(at, Math.max(at, r.start));
      at = Math.max(at, r.end);
    }
    rest += code.slice(at);
    return { part, minifiedBytes: minified.get(part) ?? 0, gzipBytes: gz - gzipSync(rest, { level: 9 }).length };
  });
  parts.sort((a, b) => b.gzipBytes - a.gzipBytes);
  const modules = Object.entries(inputs)
    .map(([path, v]) => ({ path, minifiedBytes: v.bytesInOutput }))
    .sort((a, b) => b.minifiedBytes - a.minifiedBytes)
    .slice(0, 15);
  return { parts, largestModules: modules };
}

function printAnalysis({ parts, largestModules }) {
  const kb = (b) => (b / 1000).toFixed(1).padStart(6);
  console.log("  where it goes (KB):    gzip   minified   part");
  for (const p of parts) console.log(`                       ${kb(p.gzipBytes)}   ${kb(p.minifiedBytes)}     ${p.part}`);
  console.log("  largest modules (KB minified):");
  for (const m of largestModules) console.log(`    ${kb(m.minifiedBytes)}  ${m.path}`);
}
