import { timingSafeEqual } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/**
 * Refuses every call whose `authorization` header is not `Bearer <token>`
 * with `Unauthenticated`. The comparison takes the same time wherever the
 * first difference is, and neither value is ever echoed.
 */
export function requireBearerToken(token: string): Interceptor {
  const expected = Buffer.from(`Bearer ${token}`, "utf8");
  return (next) => (req) => {
    const given = Buffer.from(req.header.get("authorization") ?? "", "utf8");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ConnectError("missing or wrong bearer token", Code.Unauthenticated);
    }
    return next(req);
  };
}
