import { spawn } from "node:child_process";

/** The reference server in its own process (its own event loop and core), as `syncvalue serve` runs it. */
export interface ReferenceServerProcess {
  readonly pid: number;
  /** `http://127.0.0.1:P`: Connect, gRPC and gRPC-web, HTTP/1.1 and HTTP/2. */
  readonly httpUrl: string;
  /** `tcp://127.0.0.1:Q`: the raw TCP binding. */
  readonly tcpUrl: string;
  /** Kills the process by PID and waits for it to exit (at most 5 s). */
  stop(): Promise<void>;
}

const readyLine = /listening http=(http:\/\/127\.0\.0\.1:\d+) tcp=(tcp:\/\/127\.0\.0\.1:\d+)/;

/**
 * Spawns `node <cliPath> serve` on free 127.0.0.1 ports and resolves once it
 * printed its ready line (within `timeoutMs`, default 15 s).
 */
export function startReferenceServer(cliPath: string, timeoutMs = 15_000): Promise<ReferenceServerProcess> {
  return startServerProcess("reference server", [cliPath, "serve", "--host", "127.0.0.1", "--port", "0", "--tcp-port", "0"], timeoutMs);
}

/**
 * Spawns `node <args>`, a server that prints the reference server's ready line
 * (`listening http=... tcp=...`), and resolves once it did (within `timeoutMs`).
 * `label` names it in errors.
 */
export function startServerProcess(label: string, args: string[], timeoutMs = 15_000): Promise<ReferenceServerProcess> {
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  // A crashed or interrupted benchmark must not leave the server behind.
  process.once("exit", kill);
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`${label} did not start in ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const m = readyLine.exec(out);
      if (!m || child.pid === undefined) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stdout!.resume();
      resolve({
        pid: child.pid,
        httpUrl: m[1]!,
        tcpUrl: m[2]!,
        async stop() {
          kill();
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? signal}) before it was ready: ${out}`));
    });
  });
}
