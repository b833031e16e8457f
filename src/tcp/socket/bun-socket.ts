import type { RuntimeSocket, SocketConnectOptions, SocketConnector, SocketEvents } from "./runtime-socket.js";

/**
 * Socket connector for Bun (`Bun.connect`, https://bun.sh/docs/api/tcp).
 * The Bun types are declared here, only as far as used, so the package does
 * not depend on `bun-types`.
 *
 * Bun's `socket.write()` returns how many bytes the kernel took; the rest is
 * kept here and flushed from the `drain` handler, in order.
 */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  terminate?(): void;
  setNoDelay?(noDelay: boolean): boolean;
  setKeepAlive?(enable: boolean, initialDelay?: number): boolean;
  ref?(): void;
  unref?(): void;
}

interface BunConnectOptions {
  hostname: string;
  port: number;
  tls?: boolean | { ca?: string | string[]; cert?: string; key?: string; serverName?: string; rejectUnauthorized?: boolean };
  socket: {
    binaryType?: "uint8array";
    open?(socket: BunSocket): void;
    data?(socket: BunSocket, data: Uint8Array): void;
    drain?(socket: BunSocket): void;
    end?(socket: BunSocket): void;
    close?(socket: BunSocket, error?: Error): void;
    error?(socket: BunSocket, error: Error): void;
    connectError?(socket: BunSocket, error: Error): void;
  };
}

interface BunGlobal {
  connect(options: BunConnectOptions): Promise<BunSocket>;
}

/** Opens sockets with `Bun.connect`; throws when not running on Bun. */
export const connectBunSocket: SocketConnector = Object.assign(
  async (options: SocketConnectOptions, events: SocketEvents): Promise<RuntimeSocket> => {
    const bun = (globalThis as { Bun?: BunGlobal }).Bun;
    if (!bun) throw new Error("connectBunSocket: Bun.connect is not available in this runtime");
    const { signal } = options;
    signal.throwIfAborted();
    let open = false;
    let closed = false;
    let lastError: Error | undefined;
    let pending: Uint8Array[] = [];
    const flush = (socket: BunSocket) => {
      while (pending.length > 0) {
        const head = pending[0]!;
        const n = socket.write(head);
        if (n < 0) return; // closed; the close handler reports it
        if (n < head.byteLength) {
          pending[0] = head.subarray(n);
          return;
        }
        pending.shift();
      }
    };
    const finish = (error?: Error) => {
      if (closed) return;
      closed = true;
      pending = [];
      if (open) events.close(error ?? lastError);
    };
    const t = options.tls;
    const socket = await bun.connect({
      hostname: options.host,
      port: options.port,
      tls: t
        ? {
            ca: t.ca,
            cert: t.cert,
            key: t.key,
            serverName: t.serverName,
            rejectUnauthorized: t.rejectUnauthorized ?? true,
          }
        : undefined,
      socket: {
        binaryType: "uint8array",
        data(_s, data) {
          // Bun reuses nothing handed to `data`, but copy defensively: frames are views of chunks.
          events.data(new Uint8Array(data));
        },
        drain(s) {
          flush(s);
        },
        end(s) {
          s.end();
          finish();
        },
        close(_s, error) {
          finish(error);
        },
        error(_s, error) {
          lastError = error;
        },
        connectError(_s, error) {
          lastError = error;
        },
      },
    });
    if (signal.aborted) {
      (socket.terminate ?? socket.end).call(socket);
      throw signal.reason;
    }
    open = true;
    socket.setNoDelay?.(options.noDelay);
    if (options.keepAliveInitialDelayMs > 0) socket.setKeepAlive?.(true, options.keepAliveInitialDelayMs);
    return {
      write(bytes) {
        if (closed) return false;
        pending.push(bytes);
        if (pending.length === 1) flush(socket);
        return true;
      },
      end() {
        socket.end();
      },
      destroy() {
        (socket.terminate ?? socket.end).call(socket);
        finish();
      },
      setKeepsProcessAlive(alive) {
        if (alive) socket.ref?.();
        else socket.unref?.();
      },
    };
  },
  { runtime: "bun" },
);
