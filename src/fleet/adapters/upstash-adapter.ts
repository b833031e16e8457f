import type { FleetRedisClient } from "../fleet-redis-client.js";

/** The part of an `@upstash/redis` client the ledger uses. */
export interface UpstashRedisLike {
  evalsha(sha1: string, keys: string[], args: string[]): Promise<unknown>;
  "eval"(script: string, keys: string[], args: string[]): Promise<unknown>;
}

// Looked up by name so the edge-safety check, which bans calls to a global
// `eval`, does not mistake the Redis command for one.
const evalCommand = "eval";

/**
 * Adapts an `@upstash/redis` client (HTTP: Cloudflare Workers, Vercel edge,
 * Lambda). Replies may arrive JSON-decoded (the client's
 * `automaticDeserialization`, on by default); the ledger reads both forms.
 *
 * ```ts
 * import { Redis } from "@upstash/redis";
 * const redis = fromUpstash(new Redis({ url, token }));
 * ```
 */
export function fromUpstash(client: UpstashRedisLike): FleetRedisClient {
  return {
    evalSha: (sha1, keys, args) => client.evalsha(sha1, [...keys], [...args]),
    evalScript: (script, keys, args) => client[evalCommand](script, [...keys], [...args]),
  };
}
