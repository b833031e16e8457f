import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ScenarioResult } from "../guest/runtime-scenario.js";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const resultPrefix = "SCENARIO_RESULT ";

/** Runs a guest as a process, bounded in time, and returns its scenario result. */
export function runGuestProcess(command: string, args: string[], timeoutMs = 15_000): Promise<ScenarioResult & { stderr: string; entry?: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: repoRoot, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 8 << 20, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) => {
      const line = stdout.split("\n").find((l) => l.startsWith(resultPrefix));
      if (!line) {
        reject(new Error(`${command} ${args.join(" ")} printed no result (${error?.message ?? "exit 0"})\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        return;
      }
      resolve({ ...(JSON.parse(line.slice(resultPrefix.length)) as ScenarioResult), stderr });
    });
  });
}

/** A binary that an npm package installed under node_modules/.bin. */
export function binPath(name: string): string {
  return `${repoRoot}node_modules/.bin/${name}`;
}
