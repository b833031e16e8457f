import { parseArgs } from "node:util";

/** What `syncvalue serve` was asked to do. */
export interface ServeArguments {
  /** Port for HTTP (Connect, gRPC, gRPC-web). Default 8080; 0 picks a free one. */
  port: number;
  /** Interface to bind. Default 127.0.0.1 (this machine only). */
  host: string;
  /** Port for the raw TCP binding. Default 50051; 0 picks a free one; `undefined` with --no-tcp. */
  tcpPort: number | undefined;
  /** `--idle-timeout-ms`: the server's `idleTimeoutMs` (default 300000; 0 disables). */
  idleTimeoutMs?: number;
  /** `--handshake-timeout-ms`: the server's `handshakeTimeoutMs` (default 10000). */
  handshakeTimeoutMs?: number;
  /** `--max-request-bytes`: the server's `maxRequestBytes` (default 16 MiB). */
  maxRequestBytes?: number;
  /** `--max-frame-bytes`: the TCP binding's `maxFrameBytes` (default 16 MiB). */
  maxFrameBytes?: number;
}

/** Outcome of reading the command line. */
export type CliCommand =
  | { kind: "serve"; args: ServeArguments }
  | { kind: "help" }
  | { kind: "usage-error"; message: string };

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_TCP_PORT = 50051;
/** Environment variable holding the token clients must present (never a flag: flags show in `ps`). */
export const AUTH_TOKEN_ENV = "SYNCVALUE_AUTH_TOKEN";

export const USAGE = `Usage: syncvalue serve [--port N] [--host HOST] [--tcp-port N | --no-tcp] [limits]

Starts the syncvalue reference server: syncvalue.v1.SyncValueService and
sutra.storage.StorageService over Connect, gRPC and gRPC-web, on one cleartext
port that speaks HTTP/2 and HTTP/1.1.

Options:
  --port N      port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)
  --host HOST   interface to listen on (default ${DEFAULT_HOST}; 0.0.0.0 exposes it)
  --tcp-port N  port of the raw TCP binding, framed MessagePack (default ${DEFAULT_TCP_PORT}; 0 picks a free port)
  --no-tcp      serve HTTP only
  -h, --help    show this help

Limits (both ports):
  --idle-timeout-ms N       close connections silent for N ms (default 300000; 0 never)
  --handshake-timeout-ms N  close connections whose TLS or auth handshake, or first
                            request bytes, take over N ms (default 10000)
  --max-request-bytes N     largest HTTP request body (default 16777216)
  --max-frame-bytes N       largest TCP request frame (default 16777216)

Environment:
  ${AUTH_TOKEN_ENV}  when set, clients must present this token (Bearer header, TCP handshake)

Once listening it prints one line, e.g.
  syncvalue reference server listening http=http://127.0.0.1:${DEFAULT_PORT} tcp=tcp://127.0.0.1:${DEFAULT_TCP_PORT}
and it stops cleanly on SIGINT or SIGTERM.`;

/** Reads `argv` (without the node executable and script). Never throws. */
export function parseCommandLine(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "tcp-port": { type: "string" },
        "no-tcp": { type: "boolean" },
        "idle-timeout-ms": { type: "string" },
        "handshake-timeout-ms": { type: "string" },
        "max-request-bytes": { type: "string" },
        "max-frame-bytes": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    return { kind: "usage-error", message: e instanceof Error ? e.message : String(e) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (positionals.length === 0) return { kind: "usage-error", message: "missing command: expected `serve`" };
  if (positionals[0] !== "serve" || positionals.length > 1) {
    return { kind: "usage-error", message: `unknown command: ${JSON.stringify(positionals.join(" "))}, expected \`serve\`` };
  }
  let port = DEFAULT_PORT;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) {
      return { kind: "usage-error", message: `--port: ${JSON.stringify(values.port)} is not a port number (0-65535)` };
    }
  }
  const host = values.host ?? DEFAULT_HOST;
  if (host.length === 0) return { kind: "usage-error", message: "--host: must not be empty" };
  if (values["no-tcp"] && values["tcp-port"] !== undefined) {
    return { kind: "usage-error", message: "--tcp-port and --no-tcp exclude each other" };
  }
  let tcpPort: number | undefined = values["no-tcp"] ? undefined : DEFAULT_TCP_PORT;
  if (values["tcp-port"] !== undefined) {
    tcpPort = Number(values["tcp-port"]);
    if (!/^\d+$/.test(values["tcp-port"]) || tcpPort > 65535) {
      return { kind: "usage-error", message: `--tcp-port: ${JSON.stringify(values["tcp-port"])} is not a port number (0-65535)` };
    }
  }
  const limits: Pick<ServeArguments, "idleTimeoutMs" | "handshakeTimeoutMs" | "maxRequestBytes" | "maxFrameBytes"> = {};
  const integerFlags = [
    ["idle-timeout-ms", "idleTimeoutMs", 0, 0x7fffffff],
    ["handshake-timeout-ms", "handshakeTimeoutMs", 1, 0x7fffffff],
    ["max-request-bytes", "maxRequestBytes", 1, 0xffffffff],
    ["max-frame-bytes", "maxFrameBytes", 1, 0xffffffff],
  ] as const;
  for (const [flag, key, min, max] of integerFlags) {
    const text = values[flag];
    if (text === undefined) continue;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      return { kind: "usage-error", message: `--${flag}: ${JSON.stringify(text)} is not an integer from ${min} to ${max}` };
    }
    limits[key] = n;
  }
  if (tcpPort === undefined && limits.maxFrameBytes !== undefined) {
    return { kind: "usage-error", message: "--max-frame-bytes and --no-tcp exclude each other" };
  }
  return { kind: "serve", args: { port, host, tcpPort, ...limits } };
}
