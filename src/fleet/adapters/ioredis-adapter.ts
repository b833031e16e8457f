import type { FleetRedisClient } from "../fleet-redis-client.js";

/** The part of an ioredis client (or `Cluster`) the ledger uses: `evalsha`, and `call` for `EVAL`. */
export interface IoredisLike {
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * Adapts an ioredis client:
 *
 * ```ts
 * import { Redis } from "ioredis";
 * const redis = fromIoredis(new Redis(process.env.REDIS_URL!));
 * ```
 */
export function fromIoredis(client: IoredisLike): FleetRedisClient {
  return {
    evalSha: (sha1, keys, args) => client.evalsha(sha1, keys.length, ...keys, ...args),
    evalScript: (script, keys, args) => client.call("EVAL", script, String(keys.length), ...keys, ...args),
  };
}
