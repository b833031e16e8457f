import * as net from "node:net";
import * as tls from "node:tls";
import type { RuntimeSocket, SocketConnectOptions, SocketConnector, SocketEvents } from "./runtime-socket.js";

/**
 * Socket connector for Node.js (`node:net`, `node:tls`). No-delay and TCP
 * keep-alive are switched on as the options ask. The only file of the TCP
 * transport that imports `node:` modules.
 */
export const connectNodeSocket: SocketConnector = Object.assign(
  (options: SocketConnectOptions, events: SocketEvents): Promise<RuntimeSocket> =>
    new Promise<RuntimeSocket>((resolve, reject) => {
      const { host, port, signal } = options;
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let socket: net.Socket;
      if (options.tls) {
        const t = options.tls;
        const serverName = t.serverName ?? (net.isIP(host) === 0 ? host : undefined);
        socket = tls.connect({
          host,
          port,
          ca: t.ca,
          cert: t.cert,
          key: t.key,
          servername: serverName,
          rejectUnauthorized: t.rejectUnauthorized ?? true,
        });
      } else {
        // Reads land in one reusable buffer and go straight to `events.data`: no Buffer
        // per read and none of the stream machinery of 'data' events. Safe because the
        // connection consumes every chunk before returning (frames are decoded at once,
        // partial ones copied), and Node runs one read callback at a time.
        socket = net.connect({
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
      }
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
    }),
  { runtime: "node" },
);

/** Where every plain TCP socket of the process reads into (see `onread` above). */
const sharedReadBuffer = new Uint8Array(64 * 1024);
