import { runJsonChild } from "../support/json-child.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";
import { closedPort } from "../runtimes/support/closed-port.js";

// The built package inlines @connectrpc/connect's and @bufbuild/protobuf's core
// into dist/ (tsup.config.ts), and its HTTP stack carries a copy of its own:
// an application that imports @connectrpc/connect itself holds another class.
// In a fresh process importing `syncvalue` as an installed package (self-
// reference through package.json "exports"), errors cross every copy as
// ConnectError, in both directions, and messages built by the application's
// @bufbuild/protobuf are sent as they are.
const repo = new URL("../..", import.meta.url).pathname;
const dir = `${repo}.build/test-connect-copy`;
let server: ReferenceServerProcess;

const probe = `
import { ConnectError, Code } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import * as sv from "syncvalue";
const [url, deadUrl] = process.argv.slice(2);
const outcome = async (p) => p.then((v) => ({ ok: v.predictedLtv > 0 }), (e) => ({ app: e instanceof ConnectError, sdk: e instanceof sv.ConnectError, code: e.code }));
const now = 1_790_000_000_000n;
const request = create(sv.LTVPredictionRequestSchema, { customerId: "copy-1", platform: "meta", timestampMs: now,
  eventHistory: [{ timestampMs: now - 86_400_000n, eventType: "purchase", eventValue: 64 }] });
const plain = sv.createClient({ prediction: url, timeoutMs: 10_000, cache: false, fallback: false, retry: false });
const denied = sv.createClient({ prediction: url, timeoutMs: 1_000, cache: false, fallback: false, retry: false,
  interceptors: [() => () => { throw new ConnectError("not for you", Code.PermissionDenied); }] });
const dead = sv.createClient({ prediction: deadUrl, timeoutMs: 1_000, cache: false, fallback: false, retry: false });
const result = {
  answer: await outcome(plain.prediction.predictLTV(request)),
  invalid: await outcome(plain.prediction.predictLTV({ ...request, customerId: "" })),
  fromInterceptor: await outcome(denied.prediction.predictLTV(request)),
  unreachable: await outcome(dead.prediction.predictLTV(request)),
  sameCode: sv.Code === Code || sv.Code.PermissionDenied === Code.PermissionDenied,
};
await Promise.all([plain.close(), denied.close(), dead.close()]);
console.log(JSON.stringify(result));
`;

beforeAll(async () => {
  server = await spawnReferenceServer();
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/probe.mjs`, probe);
});
afterAll(async () => {
  await server?.kill();
});

function run(url: string, deadUrl: string): Promise<Record<string, unknown>> {
  return runJsonChild([`${dir}/probe.mjs`, url, deadUrl], 30_000, "probe");
}

describe("the built package beside the application's own @connectrpc/connect", () => {
  for (const transport of ["tcp", "http"] as const) {
    it(`${transport}://: errors are ConnectError to both copies, with their codes; the application's messages are sent as built`, async () => {
      const port = await closedPort();
      const r = await run(transport === "tcp" ? server.tcpUrl : server.url, `${transport}://127.0.0.1:${port}`);
      expect(r.answer).toEqual({ ok: true });
      expect(r.invalid).toEqual({ app: true, sdk: true, code: Code.InvalidArgument });
      expect(r.fromInterceptor).toEqual({ app: true, sdk: true, code: Code.PermissionDenied });
      expect(r.unreachable).toEqual({ app: true, sdk: true, code: Code.Unavailable });
      expect(r.sameCode).toBe(true);
    });
  }
});
