// An endpoint given as both a TCP and an HTTP URL: bad options are refused
// with InvalidArgument naming the option, before anything connects, and both
// URLs are checked whichever one this runtime would use. (Which one each
// runtime uses is checked in the runtimes themselves: runtimes.test.ts.)
import { describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type EndpointOptions } from "../../src/index-node.js";

function refusal(prediction: EndpointOptions): { code: Code; message: string } | undefined {
  try {
    createClient({ prediction });
    return undefined;
  } catch (e) {
    const err = ConnectError.from(e);
    return { code: err.code, message: err.rawMessage };
  }
}

describe("endpoint with a TCP and an HTTP URL", () => {
  it.each([
    [{ url: "tcp://127.0.0.1:1", httpUrl: "ftp://127.0.0.1:2" }, /^prediction\.httpUrl: must be an http:\/\/ or https:\/\/ URL/],
    [{ url: "http://127.0.0.1:1", httpUrl: "http://127.0.0.1:2" }, /^prediction\.httpUrl: goes with a tcp:\/\/ or tcps:\/\/ url/],
    [{ url: "tcp://127.0.0.1:1", httpUrl: "http://user:secret@127.0.0.1:2" }, /^prediction\.httpUrl: must not carry credentials/],
    [{ url: "tcp://127.0.0.1:1", transport: "udp" as never }, /^prediction\.transport: must be one of auto, tcp, http/],
    [{ url: "tcp://127.0.0.1:1", transport: "http" as const }, /^prediction\.transport: "http" needs an http\(s\):\/\/ url or an httpUrl/],
    [{ url: "http://127.0.0.1:1", transport: "tcp" as const }, /^prediction\.transport: "tcp" needs a tcp:\/\/ or tcps:\/\/ url/],
    // Node uses the TCP url here, but the HTTP side's options are checked all the same.
    [{ url: "tcp://127.0.0.1:1", httpUrl: "http://127.0.0.1:2", protocol: "soap" as never }, /^prediction\.protocol: must be one of/],
    // Without httpUrl, HTTP options on a tcp:// url stay an error.
    [{ url: "tcp://127.0.0.1:1", transport: "tcp" as const, protocol: "grpc" as const }, /^prediction: protocol, httpVersion and http2 apply to http\(s\):\/\/ urls only/],
  ])("refuses %j", (prediction, message) => {
    const r = refusal(prediction);
    expect(r?.code).toBe(Code.InvalidArgument);
    expect(r?.message).toMatch(message);
    expect(r?.message).not.toContain("secret");
  });

  it.each([
    { url: "tcp://127.0.0.1:1", httpUrl: "http://127.0.0.1:2" },
    { url: "tcps://127.0.0.1:1", httpUrl: "https://127.0.0.1:2", transport: "http" as const, protocol: "connect" as const, httpVersion: "1.1" as const },
    { url: "tcp://127.0.0.1:1", httpUrl: "http://127.0.0.1:2", transport: "tcp" as const, tcp: { pool: { min: 0 } } },
    { url: "http://127.0.0.1:2", transport: "http" as const },
  ])("accepts %j without connecting", async (prediction) => {
    const client = createClient({ prediction });
    await client.close();
  });
});
