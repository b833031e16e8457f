// The independent side of the comparisons: connect-node's own Connect client
// over HTTP/1.1 (not our code) asks the same server the same questions.
import { createConnectTransport } from "@connectrpc/connect-node";
import type { Transport } from "@connectrpc/connect";

export function oracleTransport(baseUrl: string): Transport {
  return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true });
}
