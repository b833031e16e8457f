import { spawn, type ChildProcess } from "node:child_process";

/** A server running in a child process, bound to 127.0.0.1, killed by PID. */
export interface ServerProcess {
  readonly pid: number;
  /** Named captures of the `ready` pattern, e.g. `{ port: "50123" }`. */
  readonly ready: Record<string, string>;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Sends a signal to the process by PID. */
  signal(sig: NodeJS.Signals): void;
  /** Kills the process by PID (SIGKILL) and waits for it to exit, bounded in time. */
  kill(): Promise<void>;
}

export interface SpawnServerOptions {
  /** Command and arguments, e.g. `[process.execPath, "dist/cli/syncvalue-cli.js", "serve", "--port", "0"]`. */
  command: string[];
  /** Pattern with named groups that the process prints once it listens. */
  ready: RegExp;
  /** How long to wait for `ready`. Default 10 s. */
  timeoutMs?: number;
  env?: Record<string, string>;
  cwd?: string;
}

const live = new Set<ChildProcess>();
// Never leave a server behind, even when a test file crashes.
process.once("exit", () => {
  for (const child of live) if (child.pid) try { process.kill(child.pid, "SIGKILL"); } catch {}
});

/** Spawns a server process and resolves once it printed its `ready` line. */
export function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  const [cmd, ...args] = options.command;
  const child = spawn(cmd!, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let out = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => { live.delete(child); resolve(); }));
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      fail(new Error(`server did not print ${options.ready} within ${options.timeoutMs ?? 10_000} ms; output:\n${out}`));
    }, options.timeoutMs ?? 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      if (child.pid) try { process.kill(child.pid, "SIGKILL"); } catch {}
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const m = options.ready.exec(out);
      if (m && child.pid) {
        clearTimeout(timer);
        const pid = child.pid;
        resolve({
          pid,
          ready: { ...(m.groups ?? {}) },
          output: () => out,
          signal: (sig) => { try { process.kill(pid, sig); } catch {} },
          kill: async () => {
            try { process.kill(pid, "SIGKILL"); } catch {}
            await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
          },
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", fail);
    child.once("exit", (code, sig) => fail(new Error(`server exited (${code ?? sig}) before ready; output:\n${out}`)));
  });
}
