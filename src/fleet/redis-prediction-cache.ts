import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";
import { sharedPredictionCache } from "../cache/shared-cache-reader.js";
import type { SharedPredictionCache } from "../cache/shared-prediction-cache.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import type { FleetRedisClient } from "./fleet-redis-client.js";
import { ScriptRunner } from "./script-runner.js";

/** Options of {@link createRedisPredictionCache}. */
export interface RedisPredictionCacheOptions {
  /** The Redis client, through the same adapters as the ledger (`fromNodeRedis`, `fromIoredis`, `fromUpstash`). Required. */
  redis: FleetRedisClient;
  /**
   * Prefix of every key (`<keyPrefix>:<version>:<hash>:<customer>`). Put the
   * model or deployment in it to keep answers of different models apart. On
   * Redis Cluster, `MGET` needs one slot: end it with a hash tag (for example
   * `"syncvalue:l2:{p}"`), which keeps every entry on one shard. Default
   * `"syncvalue:l2"`.
   */
  keyPrefix?: string;
  /** Most writes in flight; more are dropped (a slow Redis never piles up work behind the calls). Default 64. */
  maxWritesInFlight?: number;
  /** Time limit of a write, ms (reads are limited by the client's `cache.sharedTimeoutMs`). Default 1000. */
  writeTimeoutMs?: number;
}

/** A `SharedPredictionCache` (from `syncvalue`) on Redis, with its own counters. */
export interface RedisPredictionCache extends SharedPredictionCache {
  /** Commands sent (`MGET` and `SET`, as scripts), writes dropped because too many were in flight, writes that failed. */
  metrics(): { reads: number; writes: number; writesDropped: number; writesFailed: number };
}

// Lua, so that any client with EVALSHA serves (the ledger's adapters, Upstash
// over HTTP included). Values are base64 text behind a tag that is not JSON,
// so a client that decodes JSON replies (Upstash's default) leaves them alone.
const getScript = "return redis.call('MGET', unpack(KEYS))";
const setScript = "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1";
const tag = "b64:";

/**
 * The shared prediction cache (`createClient({ cache: { shared } })`) on
 * Redis: one `MGET` per lookup (all the misses of a tick together), one
 * `SET ... PX ttl` per answer, never waited on. Values are the answers'
 * protobuf bytes (as base64 text). Bad options throw `InvalidArgument` naming
 * the option.
 *
 * ```ts
 * const shared = createRedisPredictionCache({ redis: fromIoredis(new Redis(url)) });
 * const client = createClient({ prediction: url, cache: { ttlMs: 60_000, shared } });
 * ```
 */
export function createRedisPredictionCache(options: RedisPredictionCacheOptions): RedisPredictionCache {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "are required");
  const redis = options.redis;
  if (redis === null || typeof redis !== "object" || typeof redis.evalSha !== "function" || typeof redis.evalScript !== "function") {
    throw invalidArgument("redis", "must be a FleetRedisClient (evalSha and evalScript)");
  }
  const prefix = options.keyPrefix ?? "syncvalue:l2";
  if (typeof prefix !== "string" || prefix.length === 0 || prefix.length > 200 || /\s/.test(prefix)) {
    throw invalidArgument("keyPrefix", "must be a non-empty string of at most 200 characters, without whitespace");
  }
  const maxWrites = options.maxWritesInFlight ?? 64;
  if (!Number.isSafeInteger(maxWrites) || maxWrites < 1) throw invalidArgument("maxWritesInFlight", "must be a positive integer");
  const writeTimeoutMs = options.writeTimeoutMs ?? 1000;
  if (typeof writeTimeoutMs !== "number" || !(writeTimeoutMs > 0) || !Number.isFinite(writeTimeoutMs)) {
    throw invalidArgument("writeTimeoutMs", "must be a finite number of milliseconds, more than 0");
  }
  const getter = new ScriptRunner(redis, getScript);
  const setter = new ScriptRunner(redis, setScript);
  const m = { reads: 0, writes: 0, writesDropped: 0, writesFailed: 0 };
  const countRead = () => void m.reads++;
  const countWrite = () => void m.writes++;
  let writing = 0;
  const store: SharedPredictionCache = {
    async getMany(keys, signal) {
      // The client aborts at its own time limit; this one only bounds a wait nobody ends.
      const reply = await getter.run(
        keys.map((k) => `${prefix}:${k}`),
        [],
        60_000,
        countRead,
        signal,
      );
      if (!Array.isArray(reply)) throw new Error("MGET: unexpected reply");
      return reply.map((v: unknown) => {
        if (typeof v !== "string" || !v.startsWith(tag)) return undefined;
        try {
          return base64Decode(v.slice(tag.length));
        } catch {
          return undefined;
        }
      });
    },
    set(key, value, ttlMs) {
      if (writing >= maxWrites) {
        m.writesDropped++;
        return;
      }
      writing++;
      // Returned so the client can hand it to a Worker's waitUntil.
      return setter
        .run([`${prefix}:${key}`], [tag + base64Encode(value), String(Math.max(1, Math.round(ttlMs)))], writeTimeoutMs, countWrite)
        .catch(() => void m.writesFailed++)
        .finally(() => void writing--);
    },
  };
  // Made usable as `cache.shared` (the reader ships with this entry, not in the core's bundles).
  return Object.assign(sharedPredictionCache(store), { metrics: () => ({ ...m }) });
}
