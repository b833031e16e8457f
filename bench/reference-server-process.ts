import { spawn } from "node:child_process";

/**
 * Starts the built reference server (`dist/cli/syncvalue-cli.js serve`) of the
 * repository at `repo` on free 127.0.0.1 ports, for the cold-start benchmarks;
 * the caller kills it by the PID returned.
 */
export function startReferenceServer(repo: string): Promise<{ http: string; tcp: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${repo}dist/cli/syncvalue-cli.js`, "serve", "--host", "127.0.0.1", "--port", "0", "--tcp-port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    const timer = setTimeout(() => reject(new Error("reference server did not start in 10 s")), 10_000);
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c;
      const m = /http=(\S+) tcp=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ http: m[1]!, tcp: m[2]!, pid: child.pid! });
      }
    });
    child.once("exit", (code) => reject(new Error(`reference server exited (${code})`)));
  });
}
