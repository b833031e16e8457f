// The benchmark's near-free server (bench/suite/near-free-server.ts) in its own
// process: the answers it splices together must pass the SDK's own checks on
// every binding, since a server that answered one fixed request_id would make
// the client fail the connection as out of step (src/tcp/answer-echo.ts).
import { join } from "node:path";
import { createClient as createConnectClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess } from "../../bench/suite/reference-server-process.js";
import { sampleRequest } from "../../bench/suite/sample-request.js";
import { minimalTcp } from "../../bench/suite/contenders/minimal-tcp-contender.js";
import { SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createClient } from "../../src/node/create-client-node.js";
import { bundleForNode } from "../support/bundle-for-node.js";

const root = new URL("../..", import.meta.url).pathname;
let script: string;
type Server = Awaited<ReturnType<typeof startServerProcess>>;
let server: Server;
let withToken: Server;

beforeAll(async () => {
  script = await bundleForNode(join(root, "bench/suite/near-free-server.ts"), join(root, ".build/test/near-free/near-free-server.mjs"));
  [server, withToken] = await Promise.all([startServerProcess("near-free server", [script]), startServerProcess("near-free server", [script, "--auth-token", "s3cret"])]);
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), withToken?.stop()]);
});

const ids = Array.from({ length: 24 }, (_, i) => `req-${i}-${"x".repeat(i * 3)}`);

describe("near-free server", () => {
  it("echoes each request_id over raw TCP, named and positional, pipelined, through the SDK's checks", async () => {
    for (const requestFields of ["named", "positional"] as const) {
      const client = createClient({ prediction: { url: server.tcpUrl, tcp: { requestFields, pool: { min: 1, max: 2, pipelining: 8 } } }, cache: false, timeoutMs: 10_000 });
      try {
        await client.warmup();
        const answers = await Promise.all(ids.map((id) => client.prediction.predictLTV(sampleRequest(`customer-${id}`, id))));
        expect(answers.map((a) => a.requestId)).toEqual(ids);
        expect(answers[0]!.predictedLtv).toBeGreaterThan(0);
        expect(answers[0]!.topFeatures.length).toBeGreaterThan(0);
      } finally {
        await client.close();
      }
    }
  }, 30_000);

  it("requires the auth handshake when started with a token", async () => {
    const good = createClient({ prediction: withToken.tcpUrl, auth: { token: "s3cret" }, cache: false, timeoutMs: 10_000 });
    const bad = createClient({ prediction: withToken.tcpUrl, auth: { token: "wrong" }, cache: false, timeoutMs: 10_000, retry: false });
    try {
      expect((await good.prediction.predictLTV(sampleRequest("c", "with-token"))).requestId).toBe("with-token");
      await expect(bad.prediction.predictLTV(sampleRequest("c", "refused"))).rejects.toThrow();
    } finally {
      await Promise.all([good.close(), bad.close()]);
    }
  }, 30_000);

  it("echoes each request_id over gRPC (HTTP/2) and Connect JSON and binary (HTTP/1.1)", async () => {
    const grpc = createClient({ prediction: server.httpUrl, cache: false, timeoutMs: 10_000 });
    try {
      await grpc.warmup();
      const answers = await Promise.all(ids.map((id) => grpc.prediction.predictLTV(sampleRequest("c", id))));
      expect(answers.map((a) => a.requestId)).toEqual(ids);
    } finally {
      await grpc.close();
    }
    const json = createConnectClient(SyncValueService, createConnectTransport({ baseUrl: server.httpUrl, useBinaryFormat: false }));
    const answer = await json.predictLTV(sampleRequest("c", 'json "quoted" id'));
    expect(answer.requestId).toBe('json "quoted" id');
    expect(answer.predictedLtv).toBeGreaterThan(0);
    const binary = createConnectClient(SyncValueService, createConnectTransport({ baseUrl: server.httpUrl, useBinaryFormat: true }));
    const binaryAnswers = await Promise.all(ids.map((id) => binary.predictLTV(sampleRequest("c", id))));
    expect(binaryAnswers.map((a) => a.requestId)).toEqual(ids);
  }, 30_000);

  it("answers what it does not serve with an error, and the minimal client decodes and checks its answers", async () => {
    const client = createClient({ storage: server.tcpUrl, timeoutMs: 10_000, retry: false });
    try {
      await expect(client.storage.queryConcept({ conceptId: "c1" })).rejects.toThrow(/PredictLTV and GetModelHealth only/);
    } finally {
      await client.close();
    }
    const minimal = await minimalTcp({ httpUrl: server.httpUrl, tcpUrl: server.tcpUrl, request: sampleRequest("c", "minimal-1"), deadlineMs: 10_000 });
    try {
      const answers = (await Promise.all(Array.from({ length: 16 }, () => minimal.call()))) as unknown[][];
      for (const a of answers) expect(a[0]).toBe("minimal-1");
    } finally {
      await minimal.close();
    }
  }, 30_000);
});
