import type { Interceptor } from "@connectrpc/connect";
import { invalidArgument } from "../validation/invalid-argument.js";

/** Checks `auth` without ever echoing the token. */
export function checkAuthToken(auth: unknown): asserts auth is { token: string } {
  if (auth === null || typeof auth !== "object") throw invalidArgument("auth", "must be { token }");
  const token = (auth as { token?: unknown }).token;
  if (typeof token !== "string" || token.length === 0) throw invalidArgument("auth.token", "must be a non-empty string");
  // A header value cannot carry control characters, and the TCP handshake caps the token at 4096 bytes.
  if (/[\0-\x1f\x7f]/.test(token)) throw invalidArgument("auth.token", "must not contain control characters");
  if (new TextEncoder().encode(token).length > 4096) throw invalidArgument("auth.token", "must be at most 4096 bytes");
}

/** Adds `authorization: Bearer <token>` to every call. */
export function bearerAuthInterceptor(token: string): Interceptor {
  const value = `Bearer ${token}`;
  return (next) => (req) => {
    req.header.set("authorization", value);
    return next(req);
  };
}
