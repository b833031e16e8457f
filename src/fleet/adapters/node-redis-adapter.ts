import type { FleetRedisClient } from "../fleet-redis-client.js";

/**
 * The part of a node-redis (`redis` 4 and later) client the ledger uses: its
 * `EVALSHA` and `EVAL` commands (a client, a cluster, or a pool).
 */
export interface NodeRedisLike {
  EVALSHA(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  EVAL(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * Adapts a connected node-redis client:
 *
 * ```ts
 * import { createClient } from "redis";
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const redis = fromNodeRedis(client);
 * ```
 */
export function fromNodeRedis(client: NodeRedisLike): FleetRedisClient {
  return {
    evalSha: (sha1, keys, args) => client.EVALSHA(sha1, { keys: [...keys], arguments: [...args] }),
    evalScript: (script, keys, args) => client.EVAL(script, { keys: [...keys], arguments: [...args] }),
  };
}
