import { runJsonChild } from "../support/json-child.js";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Code, ConnectError } from "@connectrpc/connect";
import { build, type BuildOptions, type Plugin } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PredictionStatus } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClientOn } from "../../src/client/create-client.js";
import { createLazyTransport } from "../../src/client/lazy-transport.js";
import type { ManagedTransport, RuntimePlatform } from "../../src/client/runtime-platform.js";
import { nodePlatform } from "../../src/node/node-platform.js";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";
import { closedPort } from "../runtimes/support/closed-port.js";

// Node loads its HTTP/2 stack (connect-node, node:http2) only for http(s)://
// endpoints, in the background from createClient, and a call waiting for it
// does not spend its deadline on it. Against the reference server in its own
// process; the first blocks run the SDK in fresh processes: its sources
// bundled with code splitting as the package's dist/ is, so the lazy part is
// its own file, and the built package (dist/) bundled into one ESM file with
// every dependency, as a serverless application ships it.
const repo = new URL("../..", import.meta.url).pathname;
const outdir = `${repo}.build/test-lazy-http-stack`;
const fixture = new URL("./fixtures/loaded-builtins.ts", import.meta.url).pathname;
const split = `${outdir}/loaded-builtins.js`;
const oneFile = `${outdir}/one-file/loaded-builtins.mjs`;
const installed = `${outdir}/installed/loaded-builtins.mjs`;
const tcpOnlyFixture = new URL("./fixtures/tcp-only-bundle.ts", import.meta.url).pathname;
const tcpOnly = `${outdir}/tcp-only/tcp-only-bundle.mjs`;
let server: ReferenceServerProcess;

/** The fixture's SDK import pointed at the built package: bundled with it, or (`external`) loaded from dist/ as installed. */
const builtPackage = (external: boolean): Plugin => ({
  name: "built-package",
  setup(b) {
    b.onResolve({ filter: /\/src\/index-node\.js$/ }, () => ({ path: `${repo}dist/index-node.js`, external }));
  },
});

/** The recipe of docs/packaging-and-types.md ("A TCP-only bundle"): the SDK's lazily loaded HTTP transport stays out of the bundle. */
const tcpOnlyRecipe: Plugin = {
  name: "syncvalue-tcp-only",
  setup(b) {
    b.onResolve({ filter: /^\.\/node-http-transport[-.]/ }, (a) => (a.kind === "dynamic-import" ? { path: a.path, external: true } : undefined));
  },
};

beforeAll(async () => {
  server = await spawnReferenceServer();
  const common: BuildOptions = { entryPoints: [fixture], bundle: true, platform: "node", format: "esm", logLevel: "silent" };
  await build({ ...common, splitting: true, outdir, packages: "external" });
  // msgpackr's optional native addon stays out (loaded with require when present).
  await build({ ...common, outfile: oneFile, external: ["msgpackr-extract"], plugins: [builtPackage(false)] });
  await build({ ...common, outfile: installed, plugins: [builtPackage(true)] });
  await build({ ...common, entryPoints: [tcpOnlyFixture], outfile: tcpOnly, external: ["msgpackr-extract"], plugins: [builtPackage(false), tcpOnlyRecipe] });
});
afterAll(async () => {
  await server?.kill();
});

interface Loaded {
  afterImport: string[];
  afterCall: string[];
  fetchAfterWarmup?: boolean;
  fetchAfterCall: boolean;
  fetchAfterClose?: boolean;
  failure?: { connectError: boolean; code: number };
  status: number;
  ltv: number;
}

function runFixture(url: string, step?: "warmup" | "close" | "stock", file = split, ...rest: string[]): Promise<Loaded> {
  return runJsonChild([file, url, ...(step ? [step] : []), ...rest], 20_000, "fixture");
}

describe("what a client loads", () => {
  it("a tcp:// client never loads Node's HTTP modules, nor node:tls", async () => {
    const r = await runFixture(server.tcpUrl);
    expect(r.status).toBe(PredictionStatus.SUCCESS);
    expect(r.ltv).toBeGreaterThan(0);
    expect(r.afterImport).toEqual([]);
    expect(r.afterCall).toEqual([]);
    // A successful call reads no Headers, so it does not load the fetch implementation either.
    expect(r.fetchAfterCall).toBe(false);
  });

  it("closing an idle tcp:// client does not load the fetch implementation either (no ConnectError without a call to fail)", async () => {
    const r = await runFixture(server.tcpUrl, "close");
    expect(r.status).toBe(PredictionStatus.SUCCESS);
    expect(r.fetchAfterCall).toBe(false);
    expect(r.fetchAfterClose).toBe(false);
  });

  it("an http:// client loads node:http2 when it is created, not when the SDK is imported", async () => {
    const r = await runFixture(server.url);
    expect(r.status).toBe(PredictionStatus.SUCCESS);
    expect(r.afterImport).toEqual([]);
    expect(r.afterCall).toContain("http2");
  });

  it("warmup() loads what the first error would (the fetch implementation behind Headers), over TCP and HTTP", async () => {
    for (const url of [server.tcpUrl, server.url]) {
      const r = await runFixture(url, "warmup");
      expect(r.status).toBe(PredictionStatus.SUCCESS);
      expect(r.fetchAfterWarmup, url).toBe(true);
    }
  });
});

describe("the built package, installed", () => {
  it("a tcp:// client loads none of Node's HTTP modules: neither the inlined Connect core nor the HTTP stack's file reaches them", async () => {
    const r = await runFixture(server.tcpUrl, "close", installed);
    expect(r.status).toBe(PredictionStatus.SUCCESS);
    expect(r.afterImport).toEqual([]);
    expect(r.afterCall).toEqual([]);
    expect(r.fetchAfterClose).toBe(false);
  });

  it("an http:// client loads them once created and answers, through Connect's protocol code too", async () => {
    const r = await runFixture(server.url, "stock", installed, `http://127.0.0.1:${await closedPort()}`);
    expect(r.afterImport).toEqual([]);
    expect(r.afterCall).toContain("http2");
    expect(r.status).toBe(PredictionStatus.SUCCESS);
    expect(r.failure).toEqual({ connectError: true, code: Code.Unavailable });
  });
});

describe("the built package bundled into one ESM file", () => {
  it("a tcp:// client loads none of Node's HTTP modules: the HTTP stack's file reads them when it runs, not as static imports a bundler hoists", async () => {
    const r = await runFixture(server.tcpUrl, "close", oneFile);
    expect(r.status).toBe(PredictionStatus.SUCCESS);
    expect(r.afterImport).toEqual([]);
    expect(r.afterCall).toEqual([]);
    expect(r.fetchAfterCall).toBe(false);
    expect(r.fetchAfterClose).toBe(false);
  });

  it("an http:// client loads them once created, answers through Connect's protocol code too (an interceptor), and its errors are the SDK's ConnectError", async () => {
    const r = await runFixture(server.url, "stock", oneFile, `http://127.0.0.1:${await closedPort()}`);
    expect(r.afterImport).toEqual([]);
    expect(r.afterCall).toContain("http2");
    expect(r.status).toBe(PredictionStatus.SUCCESS);
    expect(r.ltv).toBeGreaterThan(0);
    // Thrown by the HTTP stack's own copy of Connect: still `instanceof` the exported class.
    expect(r.failure).toEqual({ connectError: true, code: Code.Unavailable });
  });

  it("V8 parses neither the HTTP stack's nor the HTTP transport's code at start-up: each is compressed text there until an http(s):// client runs it", async () => {
    // V8's log of every function it parses, preparses or compiles (--log-function-events), filtered to the bundle's script.
    const log = `${outdir}/function-events.log`;
    const r = await runJsonChild<Loaded>(["--log-function-events", `--logfile=${log}`, "--no-logfile-per-isolate", oneFile, server.tcpUrl, "close"], 20_000, "fixture");
    expect(r.status).toBe(PredictionStatus.SUCCESS);
    const bundled = readFileSync(oneFile, "utf8");
    const events = readFileSync(log, "utf8").split("\n");
    const script = events.find((l) => l.startsWith("script-details,") && l.includes(pathToFileURL(oneFile).href))?.split(",")[1];
    expect(script).toBeDefined();
    const functions = events.map((l) => l.split(",")).filter((f) => f[0] === "function" && f[2] === script);
    // The stack (140 KB of minified code) and the transport (60 KB), deflated and in base64: 50 KB and 12 KB or so.
    for (const [file, minLength] of [
      [/\/\/ dist\/node-http-stack\.js\n/, 40_000],
      [/\/\/ dist\/node-http-transport-from-text-node-\w+\.js\n/, 8_000],
    ] as const) {
      const start = bundled.search(file);
      const end = bundled.indexOf("\n// ", start + 1);
      expect(start, String(file)).toBeGreaterThan(0);
      // In the bundle (for an http(s):// client there).
      expect(end - start, String(file)).toBeGreaterThan(minLength);
      const inside = functions.filter((f) => Number(f[3]) >= start && Number(f[3]) < end);
      // The few functions that inflate and run the text, a few events each; hundreds when it was code, preparsed at start-up.
      expect(inside.length, String(file)).toBeLessThan(25);
    }
  });
});

describe("the built package bundled into one ESM file for tcp:// only (the HTTP transport left out)", () => {
  it("holds none of the HTTP stack's code, and a tcp:// client answers", async () => {
    const bundled = readFileSync(tcpOnly, "utf8");
    expect(bundled).toContain("node-http-transport"); // the import() left in place
    expect(bundled).not.toContain("Http2SessionManager");
    expect(bundled).not.toContain("// dist/node-http-stack.js");
    // What the recipe leaves out, in the same bundle without it:
    expect(readFileSync(oneFile, "utf8")).toContain("// dist/node-http-stack.js");
    const r = await runFixture(server.tcpUrl, undefined, tcpOnly);
    expect(r).toMatchObject({ status: PredictionStatus.SUCCESS });
    expect(r.ltv).toBeGreaterThan(0);
  });

  it("an http:// client there fails its calls with Internal naming the missing code, without crashing the process", async () => {
    const r = (await runFixture(server.url, undefined, tcpOnly)) as unknown as { connectError: boolean; code: number; message: string };
    expect(r.connectError).toBe(true);
    expect(r.code).toBe(Code.Internal);
    expect(r.message).toContain("did not load");
    expect(r.message).toContain("node-http-transport");
  });
});

describe("msgpackr in the Node build", () => {
  it("only its decoder: the installed package imports no msgpackr entry (whose Node export is the encoder too), a one-file bundle holds no encoder", () => {
    // Every file the Node entry imports statically, transitively.
    const seen = new Set<string>();
    const specifiers: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(`${repo}dist/${file}`, "utf8").matchAll(/^import [^;]*?from ['"]([^'"]+)['"];$/gm)) {
        if (m[1]!.startsWith("./")) visit(m[1]!.slice(2));
        else specifiers.push(m[1]!);
      }
    };
    visit("index-node.js");
    expect(seen.size).toBeGreaterThan(3);
    expect(specifiers.filter((s) => s.startsWith("msgpackr"))).toEqual([]);
    const bundled = readFileSync(oneFile, "utf8");
    expect(bundled).toMatch(/\bUnpackr = class\b/);
    expect(bundled).not.toMatch(/\bPackr = class\b/);
  });
});

/** Node's platform whose HTTP stack takes `delayMs` longer to load (a slow disk, a busy machine), or fails to. */
function slowLoadingPlatform(delayMs: number, fail = false): RuntimePlatform {
  return {
    ...nodePlatform,
    createHttpTransport: (endpoint, context) =>
      createLazyTransport(async (): Promise<ManagedTransport> => {
        await new Promise((r) => setTimeout(r, delayMs));
        if (fail) throw new Error("Cannot find module 'node-http-transport.js'");
        const { createNodeHttpTransport } = await import("../../src/node/node-http-transport.js");
        return createNodeHttpTransport(endpoint, context);
      }),
  };
}

const now = 1_790_000_000_000n;
const request = {
  customerId: "lazy-2",
  platform: "meta",
  timestampMs: now,
  eventHistory: [{ timestampMs: now - 86_400_000n, eventType: "purchase", eventValue: 64 }],
};

describe("a call made while the HTTP stack loads", () => {
  it("waits for it outside its deadline: a load longer than the deadline still gets the server's answer", async () => {
    // A 1.5 s deadline (room for a first call on a busy machine) and the default
    // fallback, which answers at the deadline less 5 ms: were the 3 s load
    // counted, the call would end with the fallback's answer.
    const client = createClientOn(slowLoadingPlatform(3_000), { prediction: server.url, timeoutMs: 1_500 });
    try {
      const started = performance.now();
      const answer = await client.prediction.predictLTV(request);
      expect(performance.now() - started).toBeGreaterThanOrEqual(2_990);
      expect(answer.status).toBe(PredictionStatus.SUCCESS);
      expect(client.metrics().fallbacks).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("still answers to its own abort signal (Canceled)", async () => {
    const client = createClientOn(slowLoadingPlatform(2_000), { prediction: server.url, timeoutMs: 100 });
    try {
      const call = client.prediction.predictLTV(request, { signal: AbortSignal.timeout(50) });
      const e = await call.then(() => undefined, (e: unknown) => e);
      expect(e).toBeInstanceOf(ConnectError);
      expect((e as ConnectError).code).toBe(Code.Canceled);
    } finally {
      await client.close();
    }
  });

  it("fails with Internal when the stack cannot load, and warmup() says so too", async () => {
    const client = createClientOn(slowLoadingPlatform(10, true), { prediction: server.url, fallback: false, retry: false });
    try {
      const e = await client.prediction.predictLTV(request).then(() => undefined, (e: unknown) => e);
      expect(e).toBeInstanceOf(ConnectError);
      expect((e as ConnectError).code).toBe(Code.Internal);
      expect((e as ConnectError).rawMessage).toContain("did not load");
      await expect(client.warmup()).rejects.toMatchObject({ code: Code.Internal });
    } finally {
      await client.close();
    }
  });

  it("warmup() waits for the load, then connects", async () => {
    const client = createClientOn(slowLoadingPlatform(200), { prediction: server.url });
    try {
      await client.warmup();
      const answer = await client.prediction.predictLTV(request);
      expect(answer.status).toBe(PredictionStatus.SUCCESS);
    } finally {
      await client.close();
    }
  });
});
