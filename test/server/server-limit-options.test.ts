// The limit and timeout options of createServer, createTcpServer and
// `syncvalue serve` are validated before anything listens.
import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseCommandLine } from "../../src/cli/serve-arguments.js";
import { createServer, type ServerOptions } from "../../src/server/create-server.js";
import { createTcpServer, type TcpServerOptions } from "../../src/server/tcp-server.js";

async function refusal(start: () => Promise<{ close(): Promise<void> }>): Promise<ConnectError> {
  let server: { close(): Promise<void> } | undefined;
  try {
    server = await start();
  } catch (e) {
    return ConnectError.from(e);
  }
  await server.close();
  throw new Error("expected the options to be refused");
}

describe("limit options", () => {
  it("refuses bad timeouts and sizes in createServer, naming the option", async () => {
    const cases: Array<[string, ServerOptions]> = [
      ["idleTimeoutMs", { idleTimeoutMs: -1 }],
      ["idleTimeoutMs", { idleTimeoutMs: 1.5 }],
      ["idleTimeoutMs", { idleTimeoutMs: 2 ** 31 }],
      ["idleTimeoutMs", { idleTimeoutMs: "60000" as never }],
      ["handshakeTimeoutMs", { handshakeTimeoutMs: 0 }],
      ["handshakeTimeoutMs", { handshakeTimeoutMs: Number.NaN }],
      ["maxRequestBytes", { maxRequestBytes: 0 }],
      ["maxRequestBytes", { maxRequestBytes: 2 ** 32 }],
    ];
    for (const [field, options] of cases) {
      const err = await refusal(() => createServer(options));
      expect(err.code, JSON.stringify(options)).toBe(Code.InvalidArgument);
      expect(err.rawMessage, JSON.stringify(options)).toMatch(new RegExp(`^${field}: `));
    }
  });

  it("refuses bad timeouts in createTcpServer", async () => {
    const server = await createServer();
    try {
      const base: TcpServerOptions = { prediction: server.prediction, storage: server.storage };
      for (const [field, options] of [
        ["idleTimeoutMs", { ...base, idleTimeoutMs: -5 }],
        ["handshakeTimeoutMs", { ...base, handshakeTimeoutMs: 0 }],
      ] as const) {
        const err = await refusal(() => createTcpServer(options));
        expect(err.code).toBe(Code.InvalidArgument);
        expect(err.rawMessage).toMatch(new RegExp(`^${field}: `));
      }
    } finally {
      await server.close();
    }
  });

  it("reads the limit flags of `syncvalue serve`, and names a bad one", () => {
    expect(
      parseCommandLine(["serve", "--idle-timeout-ms", "0", "--handshake-timeout-ms", "500", "--max-request-bytes", "1024", "--max-frame-bytes", "2048"]),
    ).toEqual({
      kind: "serve",
      args: { host: "127.0.0.1", port: 8080, tcpPort: 50051, idleTimeoutMs: 0, handshakeTimeoutMs: 500, maxRequestBytes: 1024, maxFrameBytes: 2048 },
    });
    const cases: Array<[string[], RegExp]> = [
      [["serve", "--idle-timeout-ms=-1"], /^--idle-timeout-ms: "-1" is not an integer from 0 to 2147483647/],
      [["serve", "--idle-timeout-ms", "1e3"], /^--idle-timeout-ms/],
      [["serve", "--handshake-timeout-ms", "0"], /^--handshake-timeout-ms: "0" is not an integer from 1/],
      [["serve", "--max-request-bytes", "0"], /^--max-request-bytes/],
      [["serve", "--max-frame-bytes", "4294967296"], /^--max-frame-bytes/],
      [["serve", "--no-tcp", "--max-frame-bytes", "1024"], /exclude each other/],
    ];
    for (const [argv, message] of cases) {
      const result = parseCommandLine(argv);
      expect(result.kind, argv.join(" ")).toBe("usage-error");
      if (result.kind === "usage-error") expect(result.message, argv.join(" ")).toMatch(message);
    }
  });
});
