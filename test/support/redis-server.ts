import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnServer, type ServerProcess } from "./server-process.js";

/**
 * The redis-server binary: $REDIS_SERVER, or the system package's. Throws
 * (fails the test file loudly) when there is none: these tests must never
 * skip silently. `.ci/run` installs it (`apt-get install -y redis-server`).
 */
export function redisServerBinary(): string {
  const candidates = [process.env["REDIS_SERVER"], "/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error("redis-server not found: install it (apt-get install -y redis-server) or set REDIS_SERVER to its path");
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server of this test file: 127.0.0.1, its own port and data folder, killed by PID. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly pid: number;
  /** Kills the server: SIGKILL by default (a crash), SIGTERM for a clean shutdown (AOF flushed). */
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
  /** Starts it again on the same port and folder (with AOF on, it reloads its data). */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
  signal(sig: NodeJS.Signals): void;
}

export interface RedisServerOptions {
  /** Append-only file on (for restart tests). Default false. */
  appendonly?: boolean;
  /** `appendfsync` with AOF on. Default "always" (no write lost to a SIGKILL). */
  appendfsync?: "always" | "everysec";
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = redisServerBinary();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "syncvalue-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir, "--appendonly", options.appendonly ? "yes" : "no"];
  if (options.appendonly) args.push("--appendfsync", options.appendfsync ?? "always");
  let proc: ServerProcess | undefined;
  const launch = async () => {
    proc = await spawnServer({ command: [bin, ...args], ready: /Ready to accept connections/, timeoutMs: 15_000 });
  };
  await launch();
  const stop = async (signal: "SIGKILL" | "SIGTERM" = "SIGKILL") => {
    const p = proc;
    proc = undefined;
    if (!p) return;
    if (signal === "SIGTERM") {
      p.signal("SIGTERM");
      // A clean shutdown writes the AOF; wait for the port to close, bounded.
      for (let i = 0; i < 100 && (await portOpen(port)); i++) await new Promise((r) => setTimeout(r, 50));
    }
    await p.kill();
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get pid() {
      return proc?.pid ?? -1;
    },
    stop,
    start: launch,
    signal: (sig) => proc?.signal(sig),
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import("node:net").then(({ connect }) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
  });
}

/**
 * An Upstash-compatible REST front (test/support/upstash-rest-server.mjs, on
 * `@humanwhocodes/upstash-redis-server`) for `redis`, in its own process on
 * 127.0.0.1, answering bearer `token`. Its port is `ready["port"]`.
 */
export function startUpstashRestServer(redis: RedisServer, token: string): Promise<ServerProcess> {
  return spawnServer({
    command: [process.execPath, "test/support/upstash-rest-server.mjs", redis.url, token],
    ready: /upstash-rest listening on (?<port>\d+)/,
  });
}
