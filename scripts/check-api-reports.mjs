#!/usr/bin/env node
// Runs API Extractor once per package entry: api-extractor can only read one
// entry point per config, so each entry of package.json "exports" has its own
// (`.` is api-extractor.json, `./bid` is api-extractor.bid.json, `./a/b` would
// be api-extractor.a-b.json), each writing its report under etc/. An entry
// without a config fails the check, saying how to add one, so a new entry
// cannot ship without a reviewed API report.
// Each config must read the declarations Node's `import` loads for its entry.
// `npm run build` first.
// Usage: node scripts/check-api-reports.mjs [--local] [--package-json FILE]
//   --local              update the reports in etc/ instead of failing when they differ (`npm run api`)
//   --package-json FILE  read the entries from FILE instead of package.json (tests)
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import apiExtractor from "@microsoft/api-extractor";

const { Extractor, ExtractorConfig } = apiExtractor;
const root = fileURLToPath(new URL("..", import.meta.url));
const pkgArg = process.argv.indexOf("--package-json");
const pkg = JSON.parse(readFileSync(pkgArg > 0 ? process.argv[pkgArg + 1] : `${root}package.json`, "utf8"));
const localBuild = process.argv.includes("--local");

/** The `types` a condition set reaches in an "exports" target (first match in key order, as Node and TypeScript pick). */
function typesFor(target, conditions) {
  if (target === null || typeof target !== "object") return undefined;
  for (const [key, value] of Object.entries(target)) {
    if (!conditions.includes(key)) continue;
    const found = key === "types" && typeof value === "string" ? value : typesFor(value, conditions);
    if (found !== undefined) return found;
  }
  return undefined;
}

const entries = Object.entries(pkg.exports)
  .filter(([key]) => key !== "./package.json" && !key.includes("*"))
  .map(([key, target]) => {
    const name = key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`;
    const config = key === "." ? "api-extractor.json" : `api-extractor.${key.slice(2).replaceAll("/", "-")}.json`;
    return { key, name, config, types: typesFor(target, ["node", "import", "types", "default"]) };
  });

const problems = [];
const missing = entries.filter((e) => !existsSync(`${root}${e.config}`));
for (const e of missing) {
  const stem = e.key.slice(2).replaceAll("/", "-");
  problems.push(
    `${e.name} has no API report config (${e.config}). Add one: copy api-extractor.bid.json to ${e.config}, set ` +
      `"mainEntryPointFilePath" and the "include" of "compiler.overrideTsconfig" to "${e.types ?? "<the entry's types for node/import>"}" ` +
      `and "apiReport.reportFileName" to "syncvalue-${stem}.api.md", then run \`npm run api\` and commit etc/syncvalue-${stem}.api.md.`,
  );
}
// Before any report is built: nothing else is worth waiting for until every entry has one.
if (problems.length) fail();

for (const e of entries.filter((x) => !missing.includes(x))) {
  const config = ExtractorConfig.loadFileAndPrepare(`${root}${e.config}`);
  if (!e.types || resolve(config.mainEntryPointFilePath) !== resolve(root, e.types)) {
    problems.push(`${e.config}: mainEntryPointFilePath is ${config.mainEntryPointFilePath}, but Node's import of ${e.name} reads ${e.types ?? "no declarations"}`);
    continue;
  }
  const result = Extractor.invoke(config, { localBuild, showVerboseMessages: false });
  const report = `etc/${config.reportFilePath.split(/[\\/]/).pop()}`;
  if (!result.succeeded) {
    problems.push(
      `${e.name} (${e.config}): ${result.errorCount} error(s), ${result.warningCount} warning(s)` +
        (result.apiReportChanged ? `; the public API differs from ${report}: run \`npm run api\` and commit it if the change is meant` : ""),
    );
  } else {
    console.log(`api: ${e.name} matches ${report}${localBuild && result.apiReportChanged ? " (updated)" : ""}`);
  }
}

if (problems.length) fail();
console.log(`api reports: ${entries.length} entries, ${entries.map((e) => e.name).join(", ")}`);

function fail() {
  console.error(`api reports: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
