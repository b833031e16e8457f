import type { SocketTlsOptions } from "../tcp/socket/runtime-socket.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import {
  clientDefaults,
  endpointOptionNames,
  type Endpoint,
  type EndpointOptions,
  type Http2KeepaliveOptions,
  type ServiceProtocol,
} from "./client-options.js";
import type { RuntimePlatform } from "./runtime-platform.js";
import { chooseTransport } from "./transport-choice.js";
import { refuseUnknownOptions } from "./unknown-options.js";

/** An `http(s)://` endpoint with every default filled in. */
export interface ResolvedHttpEndpoint {
  readonly kind: "http";
  readonly baseUrl: string;
  readonly protocol: ServiceProtocol;
  readonly httpVersion: "1.1" | "2";
  readonly http2: Required<Http2KeepaliveOptions>;
  /** TLS settings of an `https://` endpoint (checked); undefined: the runtime's defaults. */
  readonly tls: SocketTlsOptions | undefined;
  /** Largest response body of one call, in bytes. */
  readonly maxResponseBytes: number;
}

/** A `tcp(s)://` endpoint; the TCP transport validates its own options. */
export interface ResolvedTcpEndpoint {
  readonly kind: "tcp";
  readonly url: string;
  readonly options: EndpointOptions;
}

export type ResolvedEndpoint = ResolvedHttpEndpoint | ResolvedTcpEndpoint;

const protocols: readonly ServiceProtocol[] = ["grpc", "connect", "grpc-web"];

/** What of the runtime's platform an endpoint's checks and defaults depend on. */
export type EndpointPlatform = Pick<RuntimePlatform, "defaultProtocol" | "poolsSockets" | "checkTls">;

/**
 * Checks one endpoint option and fills in its defaults. Errors are
 * `InvalidArgument` naming the option path (`prediction.url`, ...).
 */
export function resolveEndpoint(endpoint: Endpoint, field: string, platform: EndpointPlatform): ResolvedEndpoint {
  const options: EndpointOptions = typeof endpoint === "string" ? { url: endpoint } : endpoint;
  if (options === null || typeof options !== "object") {
    throw invalidArgument(field, "must be a URL string or { url, ... }");
  }
  refuseUnknownOptions(options, endpointOptionNames, `${field}.`);
  if (options.httpUrl !== undefined || options.transport !== undefined) {
    // Both URLs are checked, whichever this runtime uses.
    const choice = chooseTransport(options, field, platform.poolsSockets === true);
    const tcp = choice.tcp && resolveEndpoint(choice.tcp, field, platform);
    const http = choice.http && resolveEndpoint(choice.http, field, platform);
    return (choice.use === "tcp" ? tcp : http)!;
  }
  const urlField = typeof endpoint === "string" ? field : `${field}.url`;
  if (typeof options.url !== "string" || options.url === "") {
    throw invalidArgument(urlField, "must be a URL string such as http://127.0.0.1:8080");
  }
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw invalidArgument(urlField, "is not a valid URL");
  }
  if (url.username || url.password) {
    throw invalidArgument(urlField, "must not carry credentials; pass them as `auth`");
  }
  if (!url.hostname) throw invalidArgument(urlField, "has no host");
  switch (url.protocol) {
    case "tcp:":
    case "tcps:":
      if (options.protocol !== undefined || options.httpVersion !== undefined || options.http2 !== undefined) {
        throw invalidArgument(field, "protocol, httpVersion and http2 apply to http(s):// urls only");
      }
      if (options.tls !== undefined) throw invalidArgument(`${field}.tls`, "applies to https:// urls; use tcp.tls for tcps://");
      if (options.maxResponseBytes !== undefined) {
        throw invalidArgument(`${field}.maxResponseBytes`, "applies to http(s):// urls; use tcp.maxFrameBytes for tcp(s)://");
      }
      if (options.tcp !== undefined && (options.tcp === null || typeof options.tcp !== "object")) {
        throw invalidArgument(`${field}.tcp`, "must be an object");
      }
      return { kind: "tcp", url: options.url, options };
    case "http:":
    case "https:":
      break;
    default:
      throw invalidArgument(urlField, `scheme must be http, https, tcp or tcps, got ${url.protocol.slice(0, -1)}`);
  }
  if (options.tcp !== undefined) throw invalidArgument(`${field}.tcp`, "applies to tcp(s):// urls only");
  if (options.tls !== undefined && url.protocol !== "https:") throw invalidArgument(`${field}.tls`, "applies to https:// urls only");
  // fetch has no per-request trust store or client certificate: refuse rather than ignore.
  if (options.tls !== undefined && platform.checkTls === undefined) {
    throw invalidArgument(`${field}.tls`, "custom TLS needs Node; fetch runtimes use their platform's trust store");
  }
  const protocol = options.protocol ?? platform.defaultProtocol;
  if (!protocols.includes(protocol)) {
    throw invalidArgument(`${field}.protocol`, `must be one of ${protocols.join(", ")}`);
  }
  const httpVersion = options.httpVersion ?? clientDefaults.httpVersion;
  if (httpVersion !== "1.1" && httpVersion !== "2") {
    throw invalidArgument(`${field}.httpVersion`, `must be "1.1" or "2"`);
  }
  if (protocol === "grpc" && httpVersion === "1.1") {
    throw invalidArgument(`${field}.httpVersion`, `gRPC needs HTTP/2; use protocol "connect" or "grpc-web" over HTTP/1.1`);
  }
  return {
    kind: "http",
    baseUrl: url.href.replace(/\/$/, ""),
    protocol,
    httpVersion,
    http2: resolveHttp2(options.http2, `${field}.http2`),
    tls: options.tls === undefined ? undefined : platform.checkTls!(options.tls, `${field}.tls`),
    maxResponseBytes: checkByteCount(options.maxResponseBytes, `${field}.maxResponseBytes`) ?? clientDefaults.maxResponseBytes,
  };
}

/** A byte cap: a positive safe integer, or undefined for the default. */
export function checkByteCount(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidArgument(field, "must be a positive integer of bytes");
  }
  return value;
}

function resolveHttp2(http2: Http2KeepaliveOptions | undefined, field: string): Required<Http2KeepaliveOptions> {
  const d = clientDefaults.http2;
  if (http2 === undefined) return { ...d };
  if (http2 === null || typeof http2 !== "object") throw invalidArgument(field, "must be an object");
  refuseUnknownOptions(http2, Object.keys(d), `${field}.`);
  const ms = (value: number | undefined, name: keyof Http2KeepaliveOptions, fallback: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value > 2 ** 31 - 1) {
      throw invalidArgument(`${field}.${name}`, "must be a positive integer of milliseconds");
    }
    return value;
  };
  if (http2.pingIdleConnection !== undefined && typeof http2.pingIdleConnection !== "boolean") {
    throw invalidArgument(`${field}.pingIdleConnection`, "must be a boolean");
  }
  return {
    pingIntervalMs: ms(http2.pingIntervalMs, "pingIntervalMs", d.pingIntervalMs),
    pingTimeoutMs: ms(http2.pingTimeoutMs, "pingTimeoutMs", d.pingTimeoutMs),
    pingIdleConnection: http2.pingIdleConnection ?? d.pingIdleConnection,
    idleConnectionTimeoutMs: ms(http2.idleConnectionTimeoutMs, "idleConnectionTimeoutMs", d.idleConnectionTimeoutMs),
    sessions: sessionCount(http2.sessions, `${field}.sessions`),
  };
}

function sessionCount(value: number | undefined, field: string): number {
  if (value === undefined) return clientDefaults.http2.sessions;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 64) {
    throw invalidArgument(field, "must be an integer from 1 to 64");
  }
  return value;
}
