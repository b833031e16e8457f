// Failures through the lean fetch transport, over Connect and gRPC-web, each
// against a real process on 127.0.0.1: the codes a caller (and the client's
// retry, breaker and fallback layers) acts on.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageService } from "../../src/gen/sutra/storage/storage_pb.js";
import { SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createFetchTransport, type FetchTransportOptions } from "../../src/web/index.js";
import { spawnGrpcJsServer, spawnReferenceServer, spawnReferenceServerWithEnv, type ReferenceServerProcess } from "../support/reference-server.js";
import { failure } from "../support/call-failure.js";
import { closedPort } from "../runtimes/support/closed-port.js";
import { oracleTransport } from "./oracle-transport.js";

let server: ReferenceServerProcess;
let authServer: ReferenceServerProcess;
/** Stopped with SIGSTOP: the kernel accepts connections, nothing ever answers. */
let frozen: ReferenceServerProcess;
let grpcJs: ReferenceServerProcess;
const token = `web-errors-${process.pid}`;
beforeAll(async () => {
  [server, authServer, frozen, grpcJs] = await Promise.all([
    spawnReferenceServer(),
    spawnReferenceServerWithEnv({ SYNCVALUE_AUTH_TOKEN: token }),
    spawnReferenceServer(),
    spawnGrpcJsServer(),
  ]);
  frozen.signal("SIGSTOP");
});
afterAll(async () => {
  frozen?.signal("SIGCONT");
  await Promise.all([server?.kill(), authServer?.kill(), frozen?.kill(), grpcJs?.kill()]);
});

const request = (customerId: string) => ({ requestId: "r", customerId, platform: "meta", eventHistory: [{ eventType: "purchase", eventValue: 10 }] });
/** Bounds a call that must end by itself (deadline, abort) without asserting how fast. */
const within = async <T>(p: Promise<T>, ms = 10_000): Promise<T> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`call still running after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
};

for (const protocol of ["connect", "grpc-web"] as const) {
  describe(`${protocol} over fetch`, () => {
    const prediction = (options: Omit<FetchTransportOptions, "protocol">) => createClient(SyncValueService, createFetchTransport({ ...options, protocol }));

    it("a request the server rejects: InvalidArgument with the server's message, as connect-node reports it", async () => {
      const mine = await failure(prediction({ baseUrl: server.url }).predictLTV(request("")));
      const theirs = await failure(createClient(SyncValueService, oracleTransport(server.url)).predictLTV(request("")));
      expect(mine.code).toBe(Code.InvalidArgument);
      expect(mine.rawMessage).toBe(theirs.rawMessage);
      expect(mine.rawMessage).toMatch(/customer_id/);
    });

    it("nothing listening: Unavailable", async () => {
      const err = await failure(prediction({ baseUrl: `http://127.0.0.1:${await closedPort()}` }).getModelHealth({}));
      expect(Code[err.code]).toBe("Unavailable");
    });

    it("a server that speaks only HTTP/2 (grpc-js): Unavailable, not a hang", async () => {
      const err = await within(failure(prediction({ baseUrl: grpcJs.url }).getModelHealth({})));
      expect(Code[err.code]).toBe("Unavailable");
    });

    it("deadline passes: DeadlineExceeded, with and without interceptors", async () => {
      const plain = await within(failure(prediction({ baseUrl: frozen.url }).getModelHealth({}, { timeoutMs: 150 })));
      expect(Code[plain.code]).toBe("DeadlineExceeded");
      const passThrough: Interceptor = (next) => (req) => next(req);
      const intercepted = await within(failure(prediction({ baseUrl: frozen.url, interceptors: [passThrough] }).getModelHealth({}, { timeoutMs: 150 })));
      expect(Code[intercepted.code]).toBe("DeadlineExceeded");
    });

    it("a deadline longer than a timer can hold is no deadline (not an instant DeadlineExceeded)", async () => {
      const res = await prediction({ baseUrl: server.url }).getModelHealth({}, { timeoutMs: 3_000_000_000 });
      expect(res.isHealthy).toBe(true);
    });

    it("the caller aborts: Canceled, with and without interceptors, also when aborted before the call", async () => {
      for (const interceptors of [[], [((next) => (req) => next(req)) as Interceptor]]) {
        const ac = new AbortController();
        const call = failure(prediction({ baseUrl: frozen.url, interceptors }).getModelHealth({}, { signal: ac.signal }));
        setTimeout(() => ac.abort(), 50);
        expect(Code[(await within(call)).code]).toBe("Canceled");
        const early = await within(failure(prediction({ baseUrl: server.url, interceptors }).getModelHealth({}, { signal: AbortSignal.abort() })));
        expect(Code[early.code]).toBe("Canceled");
      }
    });

    it("with interceptors, as Connect's runUnaryCall: the call's signal ends once it settles (failed: with its error)", async () => {
      const signals: AbortSignal[] = [];
      const keep: Interceptor = (next) => (req) => {
        signals.push(req.signal);
        return next(req);
      };
      expect((await prediction({ baseUrl: server.url, interceptors: [keep] }).getModelHealth({})).isHealthy).toBe(true);
      expect(signals[0]!.aborted).toBe(true);
      const err = await failure(prediction({ baseUrl: `http://127.0.0.1:${await closedPort()}`, interceptors: [keep] }).getModelHealth({}));
      expect(Code[err.code]).toBe("Unavailable");
      expect(signals[1]!.reason).toBe(err);
    });

    it("an interceptor that throws: the call fails with a ConnectError (Unknown), not the raw error", async () => {
      const broken: Interceptor = () => () => {
        throw new Error("interceptor broke");
      };
      const err = await failure(prediction({ baseUrl: server.url, interceptors: [broken] }).getModelHealth({}));
      expect(Code[err.code]).toBe("Unknown");
      expect(err.rawMessage).toBe("interceptor broke");
    });

    it("a refused token: Unauthenticated; the right one: an answer", async () => {
      const refused = await failure(prediction({ baseUrl: authServer.url, authToken: `${token}-wrong` }).getModelHealth({}));
      expect(Code[refused.code]).toBe("Unauthenticated");
      const missing = await failure(prediction({ baseUrl: authServer.url }).getModelHealth({}));
      expect(Code[missing.code]).toBe("Unauthenticated");
      expect((await prediction({ baseUrl: authServer.url, authToken: token }).getModelHealth({})).isHealthy).toBe(true);
    });

    it("an unknown path: Unimplemented (from the HTTP 404)", async () => {
      const err = await failure(prediction({ baseUrl: `${server.url}/no/such/prefix` }).getModelHealth({}));
      expect(Code[err.code]).toBe("Unimplemented");
    });

    it("a response above maxResponseBytes: ResourceExhausted; within it: an answer", async () => {
      const storage = (maxResponseBytes: number) => createClient(StorageService, createFetchTransport({ baseUrl: server.url, protocol, maxResponseBytes }));
      // A health answer is a few dozen bytes (plus a trailer frame in gRPC-web).
      expect((await storage(4096).healthCheck({})).healthy).toBe(true);
      const err = await failure(storage(4).healthCheck({}));
      expect(Code[err.code]).toBe("ResourceExhausted");
      expect(err.rawMessage).toMatch(/maxResponseBytes/);
    });

    it("streaming: Unimplemented before anything is sent, and the request iterable is ended", async () => {
      let returned = false;
      const input: AsyncIterable<{ customerId: string }> = {
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<{ customerId: string }>>(() => {}),
          return: async () => {
            returned = true;
            return { done: true, value: undefined };
          },
        }),
      };
      const before = (await createClient(SyncValueService, oracleTransport(server.url)).getModelHealth({})).predictionsToday;
      const err = await within(failure((async () => { for await (const _ of prediction({ baseUrl: server.url }).predictLTVStream(input)) { /* none */ } })()));
      expect(Code[err.code]).toBe("Unimplemented");
      expect(err.rawMessage).toMatch(/PredictLTVStream: bidi streaming needs Node \(HTTP\/2\) or a tcp:\/\/ endpoint/);
      expect(returned).toBe(true);
      expect((await createClient(SyncValueService, oracleTransport(server.url)).getModelHealth({})).predictionsToday).toBe(before);
    });
  });
}

describe("options and call arguments are checked before any byte is sent", () => {
  const bad: [string, Record<string, unknown>][] = [
    ["baseUrl", { baseUrl: "ftp://example.com" }],
    ["baseUrl", { baseUrl: "http://" }],
    ["protocol", { baseUrl: "http://127.0.0.1:1", protocol: "grpc" }],
    ["interceptors", { baseUrl: "http://127.0.0.1:1", interceptors: [42] }],
    ["authToken", { baseUrl: "http://127.0.0.1:1", authToken: "a\nb" }],
    ["maxResponseBytes", { baseUrl: "http://127.0.0.1:1", maxResponseBytes: 0 }],
    ["fetch", { baseUrl: "http://127.0.0.1:1", fetch: "yes" }],
  ];
  for (const [field, options] of bad) {
    it(`${field}: ${JSON.stringify(options[field] ?? options)}`, () => {
      let err: unknown;
      try {
        createFetchTransport(options as unknown as FetchTransportOptions);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.InvalidArgument);
      expect((err as ConnectError).rawMessage.startsWith(`${field}: `)).toBe(true);
    });
  }

  it("headers: an invalid header value is InvalidArgument, and no request reaches the server", async () => {
    const before = (await createClient(SyncValueService, oracleTransport(server.url)).getModelHealth({})).predictionsToday;
    const client = createClient(SyncValueService, createFetchTransport({ baseUrl: server.url }));
    const err = await failure(client.predictLTV(request("c"), { headers: { "x-bad": "line\nbreak" } }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/^headers: /);
    expect((await createClient(SyncValueService, oracleTransport(server.url)).getModelHealth({})).predictionsToday).toBe(before);
  });
});
