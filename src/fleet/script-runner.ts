import { waitAsCaller } from "../call/caller-wait.js";
import type { FleetRedisClient } from "./fleet-redis-client.js";

/**
 * Runs one Lua script. The first call is EVAL: it carries the script's text,
 * which the server also caches, so a new instance's first call is one round
 * trip, not EVALSHA's NOSCRIPT and then EVAL. Later calls are EVALSHA (the
 * text is not sent again), falling back to EVAL when the server answers
 * NOSCRIPT (restarted, flushed, or a new node). Each command counts as one
 * round trip.
 */
export class ScriptRunner {
  private sha: string | undefined;
  private shaPromise: Promise<string> | undefined;
  private sent = false;

  constructor(
    private readonly redis: FleetRedisClient,
    readonly script: string,
  ) {}

  /**
   * Runs the script within `timeoutMs` (rejects with `DeadlineExceeded`
   * after it; the command may still run on the server, which the scripts'
   * idempotence makes harmless). `onRoundTrip` counts each command sent.
   * `signal` ends the wait early (with `Canceled`).
   */
  async run(keys: readonly string[], args: readonly string[], timeoutMs: number, onRoundTrip: () => void, signal?: AbortSignal): Promise<unknown> {
    if (!this.sent) {
      onRoundTrip();
      const reply = await waitAsCaller(this.redis.evalScript(this.script, keys, args), signal, timeoutMs);
      this.sent = true;
      return reply;
    }
    const sha = this.sha ?? (await this.digest());
    onRoundTrip();
    try {
      return await waitAsCaller(this.redis.evalSha(sha, keys, args), signal, timeoutMs);
    } catch (e) {
      if (!String((e as Error)?.message ?? e).includes("NOSCRIPT")) throw e;
    }
    onRoundTrip();
    return await waitAsCaller(this.redis.evalScript(this.script, keys, args), signal, timeoutMs);
  }

  private digest(): Promise<string> {
    this.shaPromise ??= sha1Hex(this.script).then((h) => (this.sha = h));
    return this.shaPromise;
  }
}

/** SHA-1 of a script as Redis names it (lowercase hex), with Web Crypto: every runtime the SDK targets has it. */
export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  let hex = "";
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, "0");
  return hex;
}
