#!/usr/bin/env node
// `npx syncvalue serve [--port N] [--host HOST] [--tcp-port N | --no-tcp] [limits]`: runs the reference server.
// Exit codes: 0 after a clean stop, 1 when the server cannot start, 2 for a usage error.
import { createServer } from "../server/index.js";
import { AUTH_TOKEN_ENV, parseCommandLine, USAGE, type ServeArguments } from "./serve-arguments.js";

async function serve(args: ServeArguments): Promise<void> {
  const authToken = process.env[AUTH_TOKEN_ENV] || undefined;
  const server = await createServer({
    host: args.host,
    port: args.port,
    tcp: args.tcpPort === undefined ? false : { port: args.tcpPort, maxFrameBytes: args.maxFrameBytes },
    authToken,
    idleTimeoutMs: args.idleTimeoutMs,
    handshakeTimeoutMs: args.handshakeTimeoutMs,
    maxRequestBytes: args.maxRequestBytes,
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130); // a second signal: do not wait any longer
    stopping = true;
    process.stderr.write(`syncvalue: ${signal}, shutting down\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  // Only now announce: whoever waits for this line may signal us right away.
  // One line, `key=url` pairs after the fixed prefix, so other listeners can append theirs.
  const endpoints = [`http=${server.url}`];
  if (server.tcpUrl !== undefined) endpoints.push(`tcp=${server.tcpUrl}`);
  process.stdout.write(`syncvalue reference server listening ${endpoints.join(" ")}\n`);
}

function main(): void {
  const command = parseCommandLine(process.argv.slice(2));
  switch (command.kind) {
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return;
    case "usage-error":
      process.stderr.write(`syncvalue: ${command.message}\nRun \`syncvalue --help\` for usage.\n`);
      process.exitCode = 2;
      return;
    case "serve":
      serve(command.args).catch((e: unknown) => {
        process.stderr.write(`syncvalue: cannot start the server: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      });
      return;
  }
}

main();
