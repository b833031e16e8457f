import { Code, ConnectError } from "@connectrpc/connect";

/** Default port of the raw TCP binding. */
export const defaultTcpPort = 50051;

/** A parsed `tcp://` or `tcps://` endpoint. */
export interface TcpEndpoint {
  /** True for `tcps://` (TLS). */
  readonly secure: boolean;
  /** Host name or IP address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  /** Normalised form, e.g. `tcp://127.0.0.1:50051`. */
  readonly url: string;
}

/**
 * Parses `tcp://host[:port]` / `tcps://host[:port]` (port defaults to 50051).
 * Anything else raises `InvalidArgument` naming `field`.
 */
export function parseTcpUrl(value: unknown, field = "url"): TcpEndpoint {
  if (typeof value !== "string" || value === "") {
    throw new ConnectError(`${field}: expected "tcp://host:port" or "tcps://host:port"`, Code.InvalidArgument);
  }
  const m = /^(tcps?):\/\/(\[[0-9a-fA-F:.]+\]|[^\s/:?#[\]@]+)(?::(\d*))?\/?$/.exec(value);
  if (!m) {
    throw new ConnectError(
      `${field}: ${JSON.stringify(value)} is not "tcp://host:port" or "tcps://host:port" (no path, user or query)`,
      Code.InvalidArgument,
    );
  }
  const secure = m[1] === "tcps";
  const rawHost = m[2]!;
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
  let port = defaultTcpPort;
  if (m[3] !== undefined && m[3] !== "") {
    port = Number(m[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ConnectError(`${field}: port ${m[3]} is out of range 1..65535`, Code.InvalidArgument);
    }
  }
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { secure, host, port, url: `${m[1]}://${shownHost}:${port}` };
}
