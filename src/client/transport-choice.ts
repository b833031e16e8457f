import { invalidArgument } from "../validation/invalid-argument.js";
import type { EndpointOptions, EndpointTransport } from "./client-options.js";

/** One endpoint split into its TCP and HTTP forms, and which one this runtime uses. */
export interface TransportChoice {
  /** The endpoint as a `tcp(s)://` endpoint, when it has one. */
  readonly tcp: EndpointOptions | undefined;
  /** The endpoint as an `http(s)://` endpoint, when it has one. */
  readonly http: EndpointOptions | undefined;
  readonly use: "tcp" | "http";
}

const transports: readonly EndpointTransport[] = ["auto", "tcp", "http"];

/**
 * Picks the URL of an endpoint that names both a TCP and an HTTP URL
 * (`{ url: "tcp://...", httpUrl: "http://..." }`) or a `transport`.
 *
 * `"auto"` (the default): raw TCP where the runtime pools sockets across
 * requests (Node, Bun, Deno), HTTP where it cannot (Workers, edge functions,
 * browsers), so a serverless function never pays a TCP handshake per call.
 * Both forms are returned so the caller checks both, whichever is used: a
 * configuration that is wrong on one runtime is wrong on all.
 */
export function chooseTransport(options: EndpointOptions, field: string, poolsSockets: boolean): TransportChoice {
  const mode = options.transport ?? "auto";
  if (!transports.includes(mode)) throw invalidArgument(`${field}.transport`, `must be one of ${transports.join(", ")}`);
  const urlIsTcp = typeof options.url === "string" && /^tcps?:/i.test(options.url);
  const { transport: _transport, httpUrl, ...single } = options;
  if (httpUrl !== undefined) checkHttpUrl(httpUrl, `${field}.httpUrl`, urlIsTcp);
  const tcp = !urlIsTcp ? undefined : httpUrl === undefined ? single : { url: single.url, tcp: single.tcp };
  const http =
    httpUrl !== undefined
      ? { url: httpUrl, protocol: single.protocol, httpVersion: single.httpVersion, http2: single.http2, tls: single.tls }
      : urlIsTcp
        ? undefined
        : single;
  if (mode === "tcp" && !tcp) throw invalidArgument(`${field}.transport`, `"tcp" needs a tcp:// or tcps:// url`);
  if (mode === "http" && !http) throw invalidArgument(`${field}.transport`, `"http" needs an http(s):// url or an httpUrl`);
  const use = mode === "auto" ? (tcp && (poolsSockets || !http) ? "tcp" : "http") : mode;
  return { tcp, http, use };
}

function checkHttpUrl(httpUrl: unknown, field: string, urlIsTcp: boolean): void {
  if (typeof httpUrl !== "string" || !/^https?:\/\//i.test(httpUrl)) {
    throw invalidArgument(field, "must be an http:// or https:// URL");
  }
  if (!urlIsTcp) throw invalidArgument(field, "goes with a tcp:// or tcps:// url: it is the same service over HTTP");
  let url: URL;
  try {
    url = new URL(httpUrl);
  } catch {
    throw invalidArgument(field, "is not a valid URL");
  }
  if (url.username || url.password) throw invalidArgument(field, "must not carry credentials; pass them as `auth`");
}
