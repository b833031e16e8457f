import { execFile } from "node:child_process";

/** Runs `node [nodeArgs] script args` and parses the last line it printed as JSON (bounded by `timeoutMs`). */
export function runNodeJson<T>(nodeArgs: string[], script: string, args: string[], timeoutMs = 30_000): Promise<{ value: T; wallMs: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...nodeArgs, script, ...args], { timeout: timeoutMs, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      const wallMs = performance.now() - t0;
      if (err) {
        reject(new Error(`${script} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
        return;
      }
      const lines = stdout.trim().split("\n");
      try {
        resolve({ value: JSON.parse(lines[lines.length - 1]!) as T, wallMs });
      } catch {
        reject(new Error(`${script} printed no JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}
