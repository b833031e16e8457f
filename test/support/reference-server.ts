import { spawnServer, type ServerProcess } from "./server-process.js";

/** The built CLI (`npm test` builds first), as a user would start it. */
export const cliPath = new URL("../../dist/cli/syncvalue-cli.js", import.meta.url).pathname;

export interface ReferenceServerProcess extends ServerProcess {
  readonly url: string;
}

/** Spawns `syncvalue serve` on a free 127.0.0.1 port; extra CLI flags may be given. */
export async function spawnReferenceServer(...flags: string[]): Promise<ReferenceServerProcess> {
  const proc = await spawnServer({
    command: [process.execPath, cliPath, "serve", "--host", "127.0.0.1", "--port", "0", ...flags],
    ready: /listening http=(?<url>http:\/\/127\.0\.0\.1:\d+)(?: tcp=(?<tcp>tcps?:\/\/127\.0\.0\.1:\d+))?/,
  });
  return Object.assign(proc, { url: proc.ready.url! });
}

/** Spawns the independent @grpc/grpc-js implementation of both services. */
export async function spawnGrpcJsServer(): Promise<ReferenceServerProcess> {
  const proc = await spawnServer({
    command: [process.execPath, new URL("./grpc-js-server.mjs", import.meta.url).pathname, "--port", "0"],
    ready: /grpc-js server listening port=(?<port>\d+)/,
  });
  return Object.assign(proc, { url: `http://127.0.0.1:${proc.ready.port}` });
}
