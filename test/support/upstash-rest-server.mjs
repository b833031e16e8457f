// An Upstash-compatible REST server (@humanwhocodes/upstash-redis-server) in
// front of a real redis-server, bound to 127.0.0.1 (its own CLI binds every
// interface). Usage: node upstash-rest-server.mjs <redis-url> <token>
import { serve } from "@hono/node-server";
import { createApp } from "@humanwhocodes/upstash-redis-server";

const [redisUrl, token] = process.argv.slice(2);
const app = createApp({ token, redisUrl });
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  console.log(`upstash-rest listening on ${info.port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
