// scripts/check-api-reports.mjs discovers the package's entries from
// package.json "exports": an entry without an API Extractor config fails the
// check, saying how to add one (before any report is built).
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../runtimes/support/run-guest.js";

describe("API reports per entry", () => {
  it("fails on an entry that has no API Extractor config, naming the config to add and the declarations it reads", async () => {
    const pkg = JSON.parse(readFileSync(`${repoRoot}package.json`, "utf8")) as { exports: Record<string, unknown> };
    pkg.exports["./example-entry"] = {
      import: { types: "./dist/example-entry/index.d.ts", default: "./dist/example-entry/index.js" },
      require: { types: "./dist/example-entry/index.d.cts", default: "./dist/example-entry/index.cjs" },
    };
    const dir = `${repoRoot}.build/api-reports-test`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/package.json`, JSON.stringify(pkg));
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, ["scripts/check-api-reports.mjs", "--package-json", `${dir}/package.json`], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, out: stdout + stderr }),
      );
    });
    expect(code).toBe(1);
    expect(out).toContain("syncvalue/example-entry has no API report config (api-extractor.example-entry.json)");
    expect(out).toContain("./dist/example-entry/index.d.ts");
    expect(out).toContain("syncvalue-example-entry.api.md");
    // Failing at once: no report was built for the entries that have one.
    expect(out).not.toMatch(/^api: /m);
  });
});
