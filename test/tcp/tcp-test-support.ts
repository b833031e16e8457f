import { ConnectError } from "@connectrpc/connect";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

/** Shared helpers of the TCP tests. */
export const rustStyleScript = new URL("../support/rust-style-tcp-server.mjs", import.meta.url).pathname;

/** Spawns the independent rust-style server on 127.0.0.1 with the given flags. */
export function startRustStyle(...flags: string[]): Promise<ServerProcess> {
  return spawnServer({
    command: [process.execPath, rustStyleScript, ...flags],
    ready: /rust-style tcp server listening port=(?<port>\d+)/,
  });
}

/** Resolves to the call's ConnectError, or undefined when it succeeded. */
export async function errorOf(p: Promise<unknown>): Promise<ConnectError | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return ConnectError.from(e);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms, at most `ms` long. */
export async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(20);
  }
  return cond();
}

/** How many times the rust-style server logged `learned <id>`. */
export function learnedCount(output: string, id: string): number {
  return output.split("\n").filter((l) => l === `learned ${id}`).length;
}
