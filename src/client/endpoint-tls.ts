import type { SocketTlsOptions } from "../tcp/socket/runtime-socket.js";
import { invalidArgument } from "../validation/invalid-argument.js";

/**
 * Checks the shape of an `https://` endpoint's TLS options (PEM contents are
 * left to the TLS stack) and copies them. Only Node's platform carries it
 * (`RuntimePlatform.checkTls`): fetch has no per-request TLS settings.
 */
export function checkTls(tls: SocketTlsOptions, field: string): SocketTlsOptions {
  if (tls === null || typeof tls !== "object") throw invalidArgument(field, "must be an object");
  for (const key of ["cert", "key", "serverName"] as const) {
    if (tls[key] !== undefined && (typeof tls[key] !== "string" || tls[key] === "")) {
      throw invalidArgument(`${field}.${key}`, "must be a non-empty string");
    }
  }
  if (tls.ca !== undefined && typeof tls.ca !== "string" && !(Array.isArray(tls.ca) && tls.ca.every((c) => typeof c === "string"))) {
    throw invalidArgument(`${field}.ca`, "must be a PEM string or an array of them");
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw invalidArgument(`${field}.${tls.cert === undefined ? "cert" : "key"}`, "mutual TLS needs both cert and key");
  }
  if (tls.rejectUnauthorized !== undefined && typeof tls.rejectUnauthorized !== "boolean") {
    throw invalidArgument(`${field}.rejectUnauthorized`, "must be a boolean");
  }
  return { ...tls };
}
