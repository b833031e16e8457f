// The reference server as a process of its own, for tests that stop it
// (SIGSTOP) to play a service that no longer answers. Bundled by the test
// with esbuild; prints the ready line `spawnServer` waits for.
import { createServer } from "../../src/server/index.js";

const server = await createServer({ host: "127.0.0.1", port: 0 });
console.log(`syncvalue reference server listening http=${server.url}`);
