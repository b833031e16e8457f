import * as net from "node:net";

/** A loopback TCP proxy that counts the bytes it forwards each way. */
export interface ByteCountingProxy {
  /** `host:port` to connect to instead of the target. */
  readonly address: string;
  /** Bytes from clients to the target, and back, since the last `reset()`. */
  readonly sent: number;
  readonly received: number;
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that forwards every connection to
 * `targetHost:targetPort`. What it counts is what crossed the socket: TCP
 * payload bytes (framing, HTTP headers, HTTP/2 frames, TLS if any), not the
 * IP and TCP headers around them.
 */
export async function startByteCountingProxy(targetHost: string, targetPort: number): Promise<ByteCountingProxy> {
  let sent = 0;
  let received = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host: targetHost, port: targetPort });
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      sent += chunk.byteLength;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      received += chunk.byteLength;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    get sent() {
      return sent;
    },
    get received() {
      return received;
    },
    reset() {
      sent = 0;
      received = 0;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
