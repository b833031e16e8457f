import * as net from "node:net";
import type * as NodeTls from "node:tls";
import type { RuntimeSocket, SocketConnectOptions, SocketConnector, SocketEvents } from "./runtime-socket.js";

// node:tls (and its root certificates) costs several ms of a cold start: loaded
// the first time a tcps:// endpoint connects, so a tcp:// client never loads it.
let tlsModule: Promise<typeof NodeTls> | undefined;
const loadTls = () => (tlsModule ??= import("node:tls"));

/**
 * Socket connector for Node.js (`node:net`, `node:tls`). No-delay and TCP
 * keep-alive are switched on as the options ask. The only file of the TCP
 * transport that imports `node:` modules.
 */
export const connectNodeSocket: SocketConnector = Object.assign(
  (options: SocketConnectOptions, events: SocketEvents): Promise<RuntimeSocket> => {
    const { host, port } = options;
    const t = options.tls;
    if (!t) {
      // Reads land in one reusable buffer and go straight to `events.data`: no Buffer
      // per read and none of the stream machinery of 'data' events. Safe because the
      // connection consumes every chunk before returning (frames are decoded at once,
      // partial ones copied), and Node runs one read callback at a time.
      const connect = () =>
        net.connect({
          host,
          port,
          onread: {
            buffer: sharedReadBuffer,
            callback: (bytes: number, buf: Uint8Array) => {
              events.data(buf.subarray(0, bytes));
              return true;
            },
          },
        });
      return attach(connect, options, events);
    }
    const serverName = t.serverName ?? (net.isIP(host) === 0 ? host : undefined);
    return loadTls().then((tls) =>
      attach(
        () =>
          tls.connect({
            host,
            port,
            ca: t.ca,
            cert: t.cert,
            key: t.key,
            servername: serverName,
            rejectUnauthorized: t.rejectUnauthorized ?? true,
          }),
        options,
        events,
      ),
    );
  },
  { runtime: "node" },
);

/** Opens the socket `connect` makes, unless `options.signal` is already aborted, and settles once it is connected. */
function attach(connect: () => net.Socket, options: SocketConnectOptions, events: SocketEvents): Promise<RuntimeSocket> {
  return new Promise<RuntimeSocket>((resolve, reject) => {
    const { signal } = options;
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = connect();
    let open = false;
    let lastError: Error | undefined;
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once(options.tls ? "secureConnect" : "connect", () => {
      signal.removeEventListener("abort", onAbort);
      open = true;
      socket.setNoDelay(options.noDelay);
      if (options.keepAliveInitialDelayMs > 0) socket.setKeepAlive(true, options.keepAliveInitialDelayMs);
      resolve({
        write(bytes) {
          if (socket.destroyed || !socket.writable) return false;
          socket.write(bytes);
          return true;
        },
        end() {
          socket.end();
        },
        destroy() {
          socket.destroy();
        },
        setKeepsProcessAlive(alive) {
          if (alive) socket.ref();
          else socket.unref();
        },
      });
    });
    // TLS sockets take no `onread`: their reads come as 'data' events.
    if (options.tls) socket.on("data", (chunk: Buffer) => events.data(chunk));
    socket.on("error", (err) => {
      if (!open) {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      } else lastError = err;
    });
    socket.once("close", () => {
      if (open) events.close(lastError);
    });
  });
}

/** Where every plain TCP socket of the process reads into (see `onread` above). */
const sharedReadBuffer = new Uint8Array(64 * 1024);
