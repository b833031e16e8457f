import { createServer } from "../../src/server/create-server.js";
import { openJournaledConceptStore } from "./journaled-concept-store.js";
import type { SoakOptions } from "./soak-options.js";

/**
 * The server of the soak, in its own process: the reference server (HTTP/2
 * for gRPC, and the raw TCP binding) on fixed 127.0.0.1 ports, over a
 * journaled store. The orchestrator SIGKILLs it and starts it again on the
 * same ports.
 */
export async function runSoakServer(o: SoakOptions): Promise<void> {
  const store = openJournaledConceptStore(o.journal);
  const server = await createServer({ host: "127.0.0.1", port: o.httpPort, tcp: { port: o.tcpPort }, store });
  process.stdout.write(`soak server listening http=${server.port} tcp=${new URL(server.tcpUrl!).port} replayed=${store.replayed}\n`);
}
