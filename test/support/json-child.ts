import { spawn } from "node:child_process";

/**
 * Runs `node ...args` and resolves with the JSON on its last line of output.
 * Killed by PID (SIGKILL) after `limitMs`; a non-zero exit or the limit rejects
 * with everything it printed, named `what`.
 */
export function runJsonChild<T>(args: string[], limitMs: number, what: string): Promise<T> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, "SIGKILL");
      reject(new Error(`${what} still running after ${limitMs / 1000} s: ${out}`));
    }, limitMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${what} exited ${code}: ${out}`));
      resolve(JSON.parse(out.trim().split("\n").pop()!) as T);
    });
  });
}
