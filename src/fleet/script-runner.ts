import { waitAsCaller } from "../call/caller-wait.js";
import type { FleetRedisClient } from "./fleet-redis-client.js";

/**
 * Runs one Lua script: EVALSHA (the script's text is sent once per server,
 * not on every call), falling back to EVAL when the server answers NOSCRIPT
 * (restarted, flushed, or a new node). Both count as one round trip each.
 */
export class ScriptRunner {
  private sha: string | undefined;
  private shaPromise: Promise<string> | undefined;

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
