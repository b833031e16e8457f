import type { JsonValue } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { codeFromConnectName } from "./code-names.js";
import { decodeBase64 } from "../protocol/decode-base64.js";

/**
 * The error a Connect unary response carries as its JSON body:
 * `{ "code": "unavailable", "message": "...", "details": [{ "type", "value" }] }`
 * (https://connectrpc.com/docs/protocol#error-end-stream). A body that is not
 * such an object yields `fallback` (its code comes from the HTTP status); an
 * unknown code name keeps the fallback's code with the body's message.
 */
export function errorFromConnectBody(body: Uint8Array, fallback: ConnectError): ConnectError {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return fallback;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) return fallback;
  const { code, message, details } = json as { code?: unknown; message?: unknown; details?: unknown };
  if (message !== undefined && typeof message !== "string") return fallback;
  const error = new ConnectError(
    message ?? "",
    (typeof code === "string" ? codeFromConnectName(code) : undefined) ?? fallback.code,
    fallback.metadata,
  );
  if (Array.isArray(details)) {
    for (const d of details as { type?: unknown; value?: unknown; debug?: unknown }[]) {
      if (d === null || typeof d !== "object" || typeof d.type !== "string" || typeof d.value !== "string") return fallback;
      try {
        error.details.push({ type: d.type, value: decodeBase64(d.value), debug: d.debug as JsonValue | undefined });
      } catch {
        return fallback;
      }
    }
  }
  return error;
}
