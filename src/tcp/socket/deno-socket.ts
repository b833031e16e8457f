import { Code, ConnectError } from "@connectrpc/connect";
import type { RuntimeSocket, SocketConnectOptions, SocketConnector, SocketEvents } from "./runtime-socket.js";

/**
 * Socket connector for Deno (`Deno.connect`, `Deno.connectTls`). The Deno
 * types are declared here, only as far as used, so the package needs no Deno
 * type definitions.
 *
 * Limits of Deno's API: certificate verification cannot be disabled per
 * connection (`rejectUnauthorized: false` is refused), and the TLS server
 * name is the host you connect to (`serverName` must equal the URL's host).
 */
interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
  closeWrite?(): Promise<void>;
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(keepAlive?: boolean): void;
  ref?(): void;
  unref?(): void;
}

interface DenoGlobal {
  connect(options: { hostname: string; port: number; transport?: "tcp" }): Promise<DenoConn>;
  connectTls(options: { hostname: string; port: number; caCerts?: string[]; cert?: string; key?: string }): Promise<DenoConn>;
}

const readChunkBytes = 64 * 1024;

/** Opens sockets with `Deno.connect` / `Deno.connectTls`; throws when not running on Deno. */
export const connectDenoSocket: SocketConnector = Object.assign(
  async (options: SocketConnectOptions, events: SocketEvents): Promise<RuntimeSocket> => {
    const deno = (globalThis as { Deno?: DenoGlobal }).Deno;
    if (!deno) throw new Error("connectDenoSocket: Deno.connect is not available in this runtime");
    const { host, port, signal } = options;
    const t = options.tls;
    if (t?.rejectUnauthorized === false) {
      throw new ConnectError("tls.rejectUnauthorized: Deno cannot disable certificate checks per connection", Code.InvalidArgument);
    }
    if (t?.serverName !== undefined && t.serverName !== host) {
      throw new ConnectError("tls.serverName: Deno verifies against the host; connect to the server name instead", Code.InvalidArgument);
    }
    signal.throwIfAborted();
    const conn = t
      ? await deno.connectTls({
          hostname: host,
          port,
          caCerts: t.ca === undefined ? undefined : Array.isArray(t.ca) ? t.ca : [t.ca],
          cert: t.cert,
          key: t.key,
        })
      : await deno.connect({ hostname: host, port, transport: "tcp" });
    if (signal.aborted) {
      conn.close();
      throw signal.reason;
    }
    conn.setNoDelay?.(options.noDelay);
    if (options.keepAliveInitialDelayMs > 0) conn.setKeepAlive?.(true);
    let closed = false;
    const finish = (error?: Error) => {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // already closed
      }
      events.close(error);
    };
    // Reads into a fresh buffer each time: frames handed out are views of it.
    void (async () => {
      try {
        for (;;) {
          const buf = new Uint8Array(readChunkBytes);
          const n = await conn.read(buf);
          if (n === null) break;
          events.data(buf.subarray(0, n));
        }
        finish();
      } catch (e) {
        finish(closed ? undefined : e instanceof Error ? e : new Error(String(e)));
      }
    })();
    // Deno's write may be partial and is async: chain writes so frames never interleave.
    let writing: Promise<void> = Promise.resolve();
    return {
      write(bytes) {
        if (closed) return false;
        writing = writing.then(async () => {
          let off = 0;
          while (off < bytes.byteLength && !closed) off += await conn.write(bytes.subarray(off));
        });
        writing.catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
        return true;
      },
      end() {
        void writing.then(() => finish(), () => undefined);
      },
      destroy() {
        finish();
      },
      setKeepsProcessAlive(alive) {
        if (alive) conn.ref?.();
        else conn.unref?.();
      },
    };
  },
  { runtime: "deno" },
);
