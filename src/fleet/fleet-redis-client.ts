/**
 * The few Redis commands the fleet ledger needs, so any client can back it:
 * `fromNodeRedis`, `fromIoredis` and `fromUpstash` adapt the common ones, and
 * anything else (a cluster client, a proxy) needs only these two methods.
 * Arguments and keys are strings; replies are Redis's, untouched (arrays,
 * integers, strings).
 */
export interface FleetRedisClient {
  /**
   * `EVALSHA sha1 numkeys keys... args...`. Must reject with an error whose
   * message contains `NOSCRIPT` when the server does not have the script
   * cached (after a restart or a `SCRIPT FLUSH`); the ledger then sends it
   * with {@link FleetRedisClient.evalScript} once.
   */
  evalSha(sha1: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  /** `EVAL script numkeys keys... args...`. */
  evalScript(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}
