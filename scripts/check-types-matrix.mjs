#!/usr/bin/env node
// Type-checks small consumer programs against the PACKED package (npm pack,
// unpacked into .build/types-matrix/node_modules/syncvalue) under every module
// setting a user may have, so the declarations each export condition points at
// are the ones TypeScript finds and they describe the file that condition loads:
// - nodenext and node16, each from ESM (.mts) and CommonJS (.cts, with
//   `import x = require(...)`: TS1471 when `require` resolves to ESM types);
// - bundler, without and with `customConditions: ["node"]`.
// Every entry of package.json "exports" is imported in every setting, so an
// entry added there is covered without touching this script; the known entries
// also get a few calls of their API. `skipLibCheck` is off: a broken import
// inside our declarations fails here instead of silently typing as `any`.
// Then runs @arethetypeswrong/cli on the same tarball (offline; node16 profile:
// node10 cannot see subpath exports).
// `npm run build` first.
// Usage: node scripts/check-types-matrix.mjs [--keep] [--no-attw]
//   --keep     leave .build/types-matrix in place (to rerun tsc by hand)
//   --no-attw  skip @arethetypeswrong/cli
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = `${root}.build/types-matrix/`;
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
const started = Date.now();
const step = (what) => console.log(`types: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

// Every entry a user can import: "." is `syncvalue`, "./bid" is `syncvalue/bid`.
const entries = Object.keys(pkg.exports)
  .filter((key) => key !== "./package.json" && !key.includes("*"))
  .map((key) => (key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`));

// A few calls of each known entry's API, per module system. Entries without one are still imported.
const usage = {
  syncvalue: {
    esm: `import { Code, ConnectError, createClient, createPredictionClient, type LTVPredictionResponse } from "syncvalue";
const client = createClient({ prediction: "http://127.0.0.1:8080", timeoutMs: 50 });
const lean = createPredictionClient({ endpoint: "http://127.0.0.1:8080" });
export const predict: (r: { customerId: string; platform: string }) => Promise<LTVPredictionResponse> = (r) => lean.prediction.predictLTV(r);
export const code: Code = new ConnectError("x", Code.InvalidArgument).code;
export const close = (): Promise<void> => client.close();`,
    cjs: `import syncvalue = require("syncvalue");
const lean = syncvalue.createPredictionClient({ endpoint: "http://127.0.0.1:8080" });
export const code: syncvalue.Code = syncvalue.Code.InvalidArgument;
export const hits: number = lean.metrics().cache.hits;`,
    // Only the Node build has it: checked where the `node` condition applies.
    nodeOnly: `import { connectNodeSocket, createTcpTransport } from "syncvalue";
export const tcp = createTcpTransport({ url: "tcp://127.0.0.1:50051", connect: connectNodeSocket });`,
  },
  "syncvalue/bid": {
    esm: `import { createBidder, type BidDecision } from "syncvalue/bid";
const bidder = createBidder({ budget: { amount: 100, periodStart: 0, periodEnd: 86_400_000 } });
export const decision: BidDecision = bidder.bid({ prediction: undefined, conversionRate: 0.01, platform: "meta", auction: { at: 2 } });`,
    cjs: `import bid = require("syncvalue/bid");
export const bidder = bid.createBidder({ budget: { amount: 100, periodStart: 0, periodEnd: 86_400_000 } });`,
  },
  "syncvalue/server": {
    esm: `import { createServer } from "syncvalue/server";
export const start = async (): Promise<string> => (await createServer({ port: 0 })).url;`,
    cjs: `import server = require("syncvalue/server");
export const start = async (): Promise<string> => (await server.createServer({ port: 0 })).url;`,
  },
};

// Each entry imported whole, and its namespace required to have exports (not an empty or `any` module).
const everyEntry = (form) =>
  [
    "type HasExports<T> = [keyof T] extends [never] ? false : true;",
    ...entries.map((spec, i) =>
      form === "cjs"
        ? `import entry${i} = require("${spec}");\nexport const entry${i}HasExports: HasExports<typeof entry${i}> = true;`
        : `import * as entry${i} from "${spec}";\nexport const entry${i}HasExports: HasExports<typeof entry${i}> = true;`,
    ),
  ].join("\n");

const known = (form, { node }) =>
  entries
    .filter((spec) => usage[spec])
    .map((spec) => [usage[spec][form], node && form === "esm" ? usage[spec].nodeOnly : undefined].filter(Boolean).join("\n"))
    .join("\n");

// One file per module system: each file is a module of its own (the names do not clash across files).
const setups = [
  { name: "nodenext", options: { module: "nodenext", moduleResolution: "nodenext" }, files: { mts: "esm", cts: "cjs" }, node: true },
  { name: "node16", options: { module: "node16", moduleResolution: "node16" }, files: { mts: "esm", cts: "cjs" }, node: true },
  { name: "bundler", options: { module: "esnext", moduleResolution: "bundler" }, files: { ts: "esm" }, node: false },
  { name: "bundler + customConditions node", options: { module: "esnext", moduleResolution: "bundler", customConditions: ["node"] }, files: { ts: "esm" }, node: true },
];

rmSync(work, { recursive: true, force: true });
mkdirSync(`${work}node_modules/${pkg.name}`, { recursive: true });
step("npm pack");
const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
const tarball = `${work}${packed[0].filename}`;
execFileSync("tar", ["-xzf", tarball, "-C", `${work}node_modules/${pkg.name}`, "--strip-components=1"]);
// Not the repository's package.json (its name would make `syncvalue` a self-reference).
writeFileSync(`${work}package.json`, `${JSON.stringify({ name: "types-matrix", private: true, type: "module" }, null, 2)}\n`);

const tsc = `${root}node_modules/typescript/bin/tsc`;
const failures = [];
for (const setup of setups) {
  const dir = `${work}${setup.name.replace(/\W+/g, "-")}/`;
  mkdirSync(dir, { recursive: true });
  const files = Object.entries(setup.files).map(([ext, form]) => {
    writeFileSync(`${dir}consumer.${ext}`, `// ${setup.name}, ${form}: generated by scripts/check-types-matrix.mjs\n${everyEntry(form)}\n${known(form, setup)}\n`);
    return `consumer.${ext}`;
  });
  const tsconfig = {
    compilerOptions: { ...setup.options, target: "es2022", lib: ["es2022", "dom"], types: ["node"], strict: true, noEmit: true, skipLibCheck: false },
    files,
  };
  writeFileSync(`${dir}tsconfig.json`, `${JSON.stringify(tsconfig, null, 2)}\n`);
  const run = spawnSync(process.execPath, [tsc, "-p", `${dir}tsconfig.json`, "--pretty", "false"], { encoding: "utf8" });
  const output = `${run.stdout}${run.stderr}`.trim();
  if (run.status === 0) step(`${setup.name}: ${entries.length} entries (${files.join(", ")}) type-check`);
  else failures.push(`${setup.name} (${dir}tsconfig.json):\n    ${output.split("\n").slice(0, 20).join("\n    ")}`);
}

if (!process.argv.includes("--no-attw")) {
  const attw = spawnSync(process.execPath, [`${root}node_modules/@arethetypeswrong/cli/dist/index.js`, tarball, "--profile", "node16", "--format", "ascii", "--no-color"], { encoding: "utf8" });
  if (attw.status === 0) step("@arethetypeswrong/cli: no problems (node16 profile)");
  else failures.push(`@arethetypeswrong/cli ${tarball} --profile node16:\n${attw.stdout}${attw.stderr}`);
}

if (!process.argv.includes("--keep")) rmSync(work, { recursive: true, force: true });
if (failures.length) {
  console.error(`types matrix: ${failures.length} failure(s)\n  ${failures.join("\n  ")}`);
  console.error(
    'Each condition of package.json "exports" needs a `types` that describes the file it loads (.d.ts beside .js, .d.cts beside .cjs), ' +
      "and every entry must resolve without a runtime condition (TypeScript applies only `types`, `import`/`require` and customConditions). " +
      "Rerun with --keep to inspect .build/types-matrix/.",
  );
  process.exit(1);
}
console.log(`types matrix: ${entries.join(", ")} type-check under ${setups.map((s) => s.name).join(", ")}`);
