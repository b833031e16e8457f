import { Code, ConnectError } from "@connectrpc/connect";
import type { RuntimeSocket, SocketConnectOptions, SocketConnector, SocketEvents } from "./runtime-socket.js";

/**
 * The part of Cloudflare's `cloudflare:sockets` API the transport uses
 * (https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/).
 */
export interface CloudflareSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** Cloudflare's `connect()` function, as exported by `cloudflare:sockets`. */
export type CloudflareConnect = (
  address: { hostname: string; port: number },
  options?: { secureTransport?: "off" | "on" | "starttls"; allowHalfOpen?: boolean },
) => CloudflareSocket;

/**
 * Creates a socket connector for Cloudflare Workers from the `connect`
 * function of `cloudflare:sockets`, passed in so the core never imports that
 * module:
 *
 * ```ts
 * import { connect } from "cloudflare:sockets";
 * createTcpTransport({ url: "tcps://storage.example:50051", connect: createCloudflareSocketConnector(connect) });
 * ```
 *
 * A Worker may not use an I/O object created while handling another request,
 * so the connector is marked `perRequest`: the transport opens a socket for
 * each call and closes it afterwards, and never pools. TLS uses the platform
 * trust store only: custom `ca`, client certificates and `rejectUnauthorized`
 * are refused; no-delay and keep-alive are managed by the platform.
 */
export function createCloudflareSocketConnector(connect: CloudflareConnect): SocketConnector {
  const connector = async (options: SocketConnectOptions, events: SocketEvents): Promise<RuntimeSocket> => {
    const t = options.tls;
    if (t) {
      for (const key of ["ca", "cert", "key", "serverName", "rejectUnauthorized"] as const) {
        if (t[key] !== undefined) {
          throw new ConnectError(`tls.${key}: not supported by Cloudflare sockets`, Code.InvalidArgument);
        }
      }
    }
    const { signal } = options;
    signal.throwIfAborted();
    const socket = connect({ hostname: options.host, port: options.port }, { secureTransport: t ? "on" : "off", allowHalfOpen: false });
    const onAbort = () => void socket.close().catch(() => undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await socket.opened;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    signal.throwIfAborted();
    let closed = false;
    const finish = (error?: Error) => {
      if (closed) return;
      closed = true;
      void socket.close().catch(() => undefined);
      events.close(error);
    };
    const reader = socket.readable.getReader();
    const writer = socket.writable.getWriter();
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (value) events.data(value);
        }
        finish();
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
      }
    })();
    return {
      write(bytes) {
        if (closed) return false;
        writer.write(bytes).catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
        return true;
      },
      end() {
        void writer.close().catch(() => undefined);
      },
      destroy() {
        finish();
      },
    };
  };
  return Object.assign(connector, { perRequest: true, runtime: "cloudflare" });
}
