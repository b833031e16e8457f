import * as net from "node:net";

/**
 * A loopback TCP proxy for fault tests. It forwards 127.0.0.1:<port> to a
 * target and can reset every connection, or silently black-hole the current
 * ones (data in both directions is dropped, nothing is closed: what a NAT or
 * load balancer does when it forgets an idle flow). New connections made after
 * `blackHoleExisting()` pass normally.
 */
export interface TcpFaultProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections currently open on the client side. */
  readonly open: number;
  /** Bytes forwarded from clients to the target so far. */
  readonly bytesUp: number;
  /** Bytes forwarded from the target to clients so far. */
  readonly bytesDown: number;
  /** Resets (RST) every current connection on both sides. */
  resetAll(): void;
  /** Silently drops all data of every current connection, both ways, forever. */
  blackHoleExisting(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  blackHoled: boolean;
}

export async function startTcpFaultProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpFaultProxy> {
  const pairs = new Set<Pair>();
  let accepted = 0;
  let bytesUp = 0;
  let bytesDown = 0;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect({ host: targetHost, port: targetPort });
    const pair: Pair = { client, upstream, blackHoled: false };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on("data", (d: Buffer) => {
      if (pair.blackHoled) return;
      bytesUp += d.byteLength;
      upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      if (pair.blackHoled) return;
      bytesDown += d.byteLength;
      client.write(d);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    get bytesUp() {
      return bytesUp;
    },
    get bytesDown() {
      return bytesDown;
    },
    resetAll() {
      for (const p of [...pairs]) {
        p.client.resetAndDestroy();
        p.upstream.resetAndDestroy();
        pairs.delete(p);
      }
    },
    blackHoleExisting() {
      for (const p of pairs) p.blackHoled = true;
    },
    close() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
