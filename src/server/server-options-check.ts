import { Code, ConnectError } from "@connectrpc/connect";
import { maxTimeoutMs } from "./connection-limits.js";
import type { ServerOptions } from "./create-server.js";

/**
 * Checks {@link ServerOptions} before anything listens, so a mistake is a
 * `ConnectError` `InvalidArgument` naming the option (`port: ...`) rather
 * than a Node `RangeError` from deep inside `listen`, or worse, accepted: an
 * empty `authToken` would otherwise switch authentication off unnoticed.
 */
export function checkServerOptions(options: ServerOptions): void {
  if (options === null || typeof options !== "object") throw invalid("options", "must be an object");
  const { host, port, maxBatchSize, authToken, tls, tcp, model, store, maxRequestBytes, idleTimeoutMs, handshakeTimeoutMs } = options;
  if (host !== undefined && (typeof host !== "string" || host === "")) throw invalid("host", "must be a non-empty string");
  checkPort(port, "port");
  if (maxBatchSize !== undefined && (typeof maxBatchSize !== "number" || !Number.isInteger(maxBatchSize) || maxBatchSize < 1)) {
    throw invalid("maxBatchSize", "must be a positive integer");
  }
  if (authToken !== undefined) {
    if (typeof authToken !== "string" || authToken === "") throw invalid("authToken", "must be a non-empty string");
    if (new TextEncoder().encode(authToken).byteLength > 4096) throw invalid("authToken", "must be at most 4096 UTF-8 bytes");
    if (/[\r\n\0]/.test(authToken)) throw invalid("authToken", "must not contain CR, LF or NUL");
  }
  if (maxRequestBytes !== undefined && (typeof maxRequestBytes !== "number" || !Number.isInteger(maxRequestBytes) || maxRequestBytes < 1 || maxRequestBytes > 0xffffffff)) {
    throw invalid("maxRequestBytes", "must be an integer from 1 to 4294967295");
  }
  checkTimeoutMs(idleTimeoutMs, "idleTimeoutMs", true);
  checkTimeoutMs(handshakeTimeoutMs, "handshakeTimeoutMs", false);
  if (options.log !== undefined && typeof options.log !== "function") throw invalid("log", "must be a function");
  if (model !== undefined && typeof model !== "function") throw invalid("model", "must be a function");
  if (store !== undefined && (store === null || typeof store !== "object")) throw invalid("store", "must be a ConceptStore object");
  if (tls !== undefined) checkTls(tls, "tls");
  if (tcp !== undefined && typeof tcp !== "boolean") {
    if (tcp === null || typeof tcp !== "object") throw invalid("tcp", "must be a boolean or an object");
    if (tcp.host !== undefined && (typeof tcp.host !== "string" || tcp.host === "")) throw invalid("tcp.host", "must be a non-empty string");
    checkPort(tcp.port, "tcp.port");
    if (tcp.maxFrameBytes !== undefined && (typeof tcp.maxFrameBytes !== "number" || !Number.isInteger(tcp.maxFrameBytes) || tcp.maxFrameBytes < 1 || tcp.maxFrameBytes > 0xffffffff)) {
      throw invalid("tcp.maxFrameBytes", "must be an integer from 1 to 4294967295");
    }
    if (tcp.tls !== undefined) checkTls(tcp.tls, "tcp.tls");
  }
}

/**
 * A timeout in milliseconds: an integer from 1 to 2^31 - 1 (Node's timer
 * range), or 0 when `zeroDisables`.
 */
export function checkTimeoutMs(value: unknown, field: string, zeroDisables: boolean): void {
  if (value === undefined) return;
  const min = zeroDisables ? 0 : 1;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > maxTimeoutMs) {
    throw invalid(field, `must be an integer from ${min} to ${maxTimeoutMs} (milliseconds)${zeroDisables ? ", 0 to disable" : ""}`);
  }
}

function checkPort(port: unknown, field: string): void {
  if (port === undefined) return;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) throw invalid(field, "must be an integer from 0 to 65535");
}

function checkTls(tls: unknown, field: string): void {
  if (tls === null || typeof tls !== "object") throw invalid(field, "must be an object");
  const t = tls as Record<string, unknown>;
  for (const key of ["cert", "key"]) {
    if (typeof t[key] !== "string" || t[key] === "") throw invalid(`${field}.${key}`, "must be a PEM string");
  }
  if (t.ca !== undefined && typeof t.ca !== "string") throw invalid(`${field}.ca`, "must be a PEM string");
  if (t.requestCert !== undefined && typeof t.requestCert !== "boolean") throw invalid(`${field}.requestCert`, "must be a boolean");
  if (t.requestCert === true && t.ca === undefined) throw invalid(`${field}.ca`, "is required with requestCert (the CA of client certificates)");
}

function invalid(field: string, problem: string): ConnectError {
  return new ConnectError(`${field}: ${problem}`, Code.InvalidArgument);
}
