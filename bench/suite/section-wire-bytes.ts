import { startByteCountingProxy } from "./byte-counting-proxy.js";
import type { ContenderFactory, ContenderTarget } from "./contenders/unary-contender.js";

export interface WireBytesRow {
  contender: string;
  /** The contender's display name (contenders measured only here have no unary row to name them). */
  name?: string;
  /** Bytes on the wire per call, client to server and back, averaged over `calls` sequential calls on a warm connection. */
  requestBytes: number;
  responseBytes: number;
}

/**
 * Bytes on the wire per prediction, per transport: each contender talks to
 * the server through a counting proxy; after a warm-up (connection open,
 * HTTP/2 header tables filled), `calls` sequential calls are counted.
 */
export async function runWireBytesSection(
  factories: readonly ContenderFactory[],
  target: ContenderTarget,
  calls: number,
): Promise<WireBytesRow[]> {
  const http = new URL(target.httpUrl);
  const tcp = new URL(target.tcpUrl);
  const httpProxy = await startByteCountingProxy(http.hostname, Number(http.port));
  const tcpProxy = await startByteCountingProxy(tcp.hostname, Number(tcp.port));
  const rows: WireBytesRow[] = [];
  try {
    for (const factory of factories) {
      const contender = await factory({
        ...target,
        httpUrl: `http://${httpProxy.address}`,
        tcpUrl: `tcp://${tcpProxy.address}`,
      });
      try {
        for (let i = 0; i < 20; i++) await contender.call();
        httpProxy.reset();
        tcpProxy.reset();
        for (let i = 0; i < calls; i++) await contender.call();
        rows.push({
          contender: contender.id,
          name: contender.name,
          requestBytes: (httpProxy.sent + tcpProxy.sent) / calls,
          responseBytes: (httpProxy.received + tcpProxy.received) / calls,
        });
      } finally {
        await contender.close();
      }
    }
  } finally {
    await httpProxy.close();
    await tcpProxy.close();
  }
  return rows;
}
