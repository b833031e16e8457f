// Every ```ts block of README.md and docs/*.md compiles under --strict against
// the BUILT package (as a user's code imports it: `syncvalue` through
// package.json "exports", nodenext), and every block not marked typecheck-only
// runs to completion against a reference server started here (`syncvalue
// serve`), with the documented 127.0.0.1:8080 and :50051 pointed at its ports.
// Markers and hidden preludes: see support/doc-snippets.ts.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { transform } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../runtimes/support/run-guest.js";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";
import { documentationPages, extractSnippets, type DocSnippet } from "./support/doc-snippets.js";

const scratch = `${repoRoot}.build/doc-snippets/`;
const snippets = documentationPages(repoRoot).flatMap((page) => extractSnippets(repoRoot, page));
const fileOf = (s: DocSnippet) => `${s.page.replace(/\W+/g, "-")}-${s.line}`;
const preludeLines = (s: DocSnippet) => (s.prelude ? s.prelude.split("\n").length + 1 : 0);

let server: ReferenceServerProcess;

beforeAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(`${scratch}node_modules`, { recursive: true });
  // Its own package.json: under the repository's, `syncvalue` would be a self-reference.
  writeFileSync(`${scratch}package.json`, JSON.stringify({ name: "doc-snippets", private: true, type: "module" }));
  symlinkSync(repoRoot, `${scratch}node_modules/syncvalue`, "dir");
  for (const s of snippets) writeFileSync(`${scratch}${fileOf(s)}.ts`, `${s.prelude ? `${s.prelude}\n\n` : ""}${s.code}\nexport {};\n`);
  server = await spawnReferenceServer();
});

afterAll(async () => {
  await server?.kill();
});

function run(command: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: scratch, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 8 << 20, env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * The docs show production deadlines (100 ms by default, tens of ms per call):
 * on a loaded test machine a first call may take longer, which says nothing
 * about the snippet. Every deadline becomes 10 s: each `timeoutMs: ...`, and
 * syncvalue clients created without one.
 */
function underLoad(code: string): string {
  return code
    .replace(/\btimeoutMs:\s*(?:[^,}\n(]|\([^)\n]*\))+/g, "timeoutMs: 10_000")
    .replace(/\b(createClient|createPredictionClient)\(\{(?![^}]*timeoutMs)/g, "$1({ timeoutMs: 10_000,");
}

describe("documentation snippets", () => {
  it("finds the snippets of the README and of docs/, and marks some typecheck-only", () => {
    // The README keeps its quick start; the long examples live in docs/.
    expect(snippets.filter((s) => s.page === "README.md").length).toBeGreaterThanOrEqual(2);
    expect(snippets.filter((s) => s.page.startsWith("docs/")).length).toBeGreaterThan(10);
    expect(snippets.some((s) => s.run)).toBe(true);
    expect(snippets.some((s) => !s.run)).toBe(true);
  });

  it("every snippet compiles under --strict against the built package", async () => {
    const tsconfig = {
      compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2022", "dom"], types: ["node"], strict: true, noEmit: true, skipLibCheck: true },
      files: snippets.map((s) => `${fileOf(s)}.ts`),
    };
    writeFileSync(`${scratch}tsconfig.json`, JSON.stringify(tsconfig, null, 2));
    const { code, out } = await run(process.execPath, [`${repoRoot}node_modules/typescript/bin/tsc`, "-p", "tsconfig.json", "--pretty", "false"], 240_000);
    // Errors named by page and line, as a reader finds them.
    const located = out.replace(/^([\w.-]+)-(\d+)\.ts\((\d+),(\d+)\)/gm, (all, file: string, line: string, row: string) => {
      const s = snippets.find((x) => fileOf(x) === `${file}-${line}`);
      return s ? `${s.page}:${s.line + Number(row) - preludeLines(s)}` : all;
    });
    expect({ code, errors: located.trim() }).toEqual({ code: 0, errors: "" });
  }, 300_000);

  for (const s of snippets.filter((x) => x.run)) {
    it(`${s.page}:${s.line} runs against the reference server`, async () => {
      const http = new URL(server.url);
      const tcp = new URL(server.tcpUrl.replace(/^tcp/, "http"));
      const source = underLoad(`${s.prelude}\n${s.code}`.replaceAll("127.0.0.1:8080", http.host).replaceAll("127.0.0.1:50051", tcp.host));
      const { code } = await transform(source, { loader: "ts", format: "esm", target: "es2022" });
      writeFileSync(`${scratch}${fileOf(s)}.mjs`, code);
      // The snippets read SYNCVALUE_TOKEN if it is set; the server here has no token.
      const { SYNCVALUE_TOKEN: _token, ...env } = process.env;
      const result = await run(process.execPath, [`${fileOf(s)}.mjs`], 30_000, env);
      expect(result, result.out).toMatchObject({ code: 0 });
    }, 60_000);
  }
});
