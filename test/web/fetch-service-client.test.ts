// createFetchServiceClient is what fetch-only runtimes build their service
// clients with, in place of Connect's createClient. Each case runs the same
// call through both, on the same lean fetch transport, against a real
// reference server on 127.0.0.1, and expects the same outcome.
import { create, createFileRegistry, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncValueService } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createFetchTransport } from "../../src/web/index.js";
import { createFetchServiceClient } from "../../src/web/fetch-service-client.js";
import { failure } from "../support/call-failure.js";
import { spawnReferenceServer, type ReferenceServerProcess } from "../support/reference-server.js";

let server: ReferenceServerProcess;
let frozen: ReferenceServerProcess;
beforeAll(async () => {
  [server, frozen] = await Promise.all([spawnReferenceServer(), spawnReferenceServer()]);
  frozen.signal("SIGSTOP");
});
afterAll(async () => {
  frozen?.signal("SIGCONT");
  await Promise.all([server?.kill(), frozen?.kill()]);
});

const request = (customerId: string) => ({ customerId, platform: "meta", eventHistory: [{ eventType: "purchase", eventValue: 25 }] });
const builders: [string, <T extends DescService>(service: T, transport: Transport) => Client<T>][] = [
  ["createFetchServiceClient", createFetchServiceClient],
  ["Connect's createClient", createClient],
];
type Outcome = { code?: string; message?: string; value?: unknown };
async function both(run: (build: (typeof builders)[number][1]) => Promise<unknown>): Promise<[Outcome, Outcome]> {
  const outcomes = [] as Outcome[];
  for (const [, build] of builders) {
    try {
      outcomes.push({ value: await run(build) });
    } catch (e) {
      const err = ConnectError.from(e);
      outcomes.push({ code: Code[err.code], message: err.rawMessage });
    }
  }
  return outcomes as [Outcome, Outcome];
}

for (const protocol of ["connect", "grpc-web"] as const) {
  describe(`${protocol}: the same results as Connect's createClient`, () => {
    const transport = (url: string) => createFetchTransport({ baseUrl: url, protocol });

    it("a unary answer, with the response headers and trailers handed to onHeader / onTrailer", async () => {
      const seen: string[][] = [];
      const [mine, theirs] = await both(async (build) => {
        const header: string[] = [];
        const trailer: string[] = [];
        const answer = await build(SyncValueService, transport(server.url)).predictLTV(request("c-1"), {
          onHeader: (h) => h.forEach((_, k) => void header.push(k)),
          onTrailer: (t) => t.forEach((_, k) => void trailer.push(k)),
        });
        seen.push(header.sort(), trailer.sort());
        return { ltv: answer.predictedLtv, status: answer.status, model: answer.modelVersion };
      });
      expect(mine.value).toBeDefined();
      expect(mine).toStrictEqual(theirs);
      expect((mine.value as { ltv: number }).ltv).toBeGreaterThan(0);
      expect(seen[0]).toStrictEqual(seen[2]);
      expect(seen[1]).toStrictEqual(seen[3]);
      expect(seen[0]).toContain("content-type");
    });

    it("request headers reach the server; a server error comes back the same", async () => {
      const [mine, theirs] = await both((build) =>
        build(SyncValueService, transport(server.url)).predictLTV(request(""), { headers: { "x-test": "1" } }),
      );
      expect(mine.code).toBe("InvalidArgument");
      expect(mine).toStrictEqual(theirs);
    });

    it("a per-call timeoutMs and an abort signal end the call the same way", async () => {
      const timedOut = await both((build) => build(SyncValueService, transport(frozen.url)).predictLTV(request("c-2"), { timeoutMs: 50 }));
      expect(timedOut[0].code).toBe("DeadlineExceeded");
      expect(timedOut[0]).toStrictEqual(timedOut[1]);
      const aborted = await both((build) => {
        const controller = new AbortController();
        const call = build(SyncValueService, transport(frozen.url)).getModelHealth({}, { signal: controller.signal });
        setTimeout(() => controller.abort(), 20);
        return call;
      });
      expect(aborted[0].code).toBe("Canceled");
      expect(aborted[0]).toStrictEqual(aborted[1]);
    });
  });
}

describe("streaming methods: the transport's refusal, in the shape each method kind promises", () => {
  // Our services have unary and bidi methods; a test service adds the other two kinds.
  const file = createFileRegistry(
    create(FileDescriptorProtoSchema, {
      name: "test/kinds.proto",
      package: "test",
      syntax: "proto3",
      messageType: [{ name: "M" }],
      service: [
        {
          name: "Kinds",
          method: [
            { name: "Server", inputType: ".test.M", outputType: ".test.M", serverStreaming: true },
            { name: "Client", inputType: ".test.M", outputType: ".test.M", clientStreaming: true },
            { name: "Bidi", inputType: ".test.M", outputType: ".test.M", clientStreaming: true, serverStreaming: true },
          ],
        },
      ],
    }),
    () => undefined,
  );
  const Kinds = file.getService("test.Kinds")!;
  const transport = () => createFetchTransport({ baseUrl: server.url, protocol: "connect" });
  const closing = () => {
    const state = { returned: false };
    const input: AsyncIterable<never> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<never>>(() => {}),
        return: async () => {
          state.returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    return { input, state };
  };
  const drain = async (it: AsyncIterable<unknown>) => {
    for await (const _ of it) {
      // none expected
    }
  };

  it("server streaming, client streaming and bidi: Unimplemented naming the method, as with Connect's client", async () => {
    for (const [kind, call] of [
      ["server", (c: Client<typeof Kinds>) => drain((c as any).server({}))],
      ["client", (c: Client<typeof Kinds>) => (c as any).client(closing().input)],
      ["bidi", (c: Client<typeof Kinds>) => drain((c as any).bidi(closing().input))],
    ] as const) {
      const [mine, theirs] = await both((build) => call(build(Kinds, transport())));
      expect(mine.code, kind).toBe("Unimplemented");
      expect(mine, kind).toStrictEqual(theirs);
    }
  });

  it("predictLTVStream ends the caller's request iterable, and nothing reaches the server", async () => {
    const health = () => createClient(SyncValueService, transport()).getModelHealth({});
    const before = (await health()).predictionsToday;
    const { input, state } = closing();
    const err = await failure(drain(createFetchServiceClient(SyncValueService, transport()).predictLTVStream(input)));
    expect(Code[err.code]).toBe("Unimplemented");
    expect(state.returned).toBe(true);
    expect((await health()).predictionsToday).toBe(before);
  });

  it("every method of the service is there, under Connect's local names", () => {
    expect(Object.keys(createFetchServiceClient(SyncValueService, transport())).sort()).toStrictEqual(
      Object.keys(createClient(SyncValueService, transport())).sort(),
    );
  });
});
