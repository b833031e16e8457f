import { spawnServer, type ServerProcess } from "./server-process.js";

/** The built CLI (`npm test` builds first), as a user would start it. */
export const cliPath = new URL("../../dist/cli/syncvalue-cli.js", import.meta.url).pathname;

export interface ReferenceServerProcess extends ServerProcess {
  readonly url: string;
  /** `tcp://127.0.0.1:PORT` of the raw TCP binding (the reference server serves both). */
  readonly tcpUrl: string;
}

/** Spawns `syncvalue serve` on a free 127.0.0.1 port; extra CLI flags may be given. */
export function spawnReferenceServer(...flags: string[]): Promise<ReferenceServerProcess> {
  return spawnReferenceServerWithEnv({}, ...flags);
}

/** As {@link spawnReferenceServer}, with extra environment (e.g. `SYNCVALUE_AUTH_TOKEN`). */
export async function spawnReferenceServerWithEnv(env: Record<string, string>, ...flags: string[]): Promise<ReferenceServerProcess> {
  const proc = await spawnServer({
    env,
    command: [process.execPath, cliPath, "serve", "--host", "127.0.0.1", "--port", "0", "--tcp-port", "0", ...flags],
    ready: /listening http=(?<url>http:\/\/127\.0\.0\.1:\d+)(?: tcp=(?<tcp>tcps?:\/\/127\.0\.0\.1:\d+))?/,
  });
  return Object.assign(proc, { url: proc.ready.url!, tcpUrl: proc.ready.tcp ?? "" });
}

/** Spawns the independent @grpc/grpc-js implementation of both services. */
export async function spawnGrpcJsServer(): Promise<ReferenceServerProcess> {
  const proc = await spawnServer({
    command: [process.execPath, new URL("./grpc-js-server.mjs", import.meta.url).pathname, "--port", "0"],
    ready: /grpc-js server listening port=(?<port>\d+)/,
  });
  return Object.assign(proc, { url: `http://127.0.0.1:${proc.ready.port}`, tcpUrl: "" });
}
