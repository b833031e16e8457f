import * as net from "node:net";
import { predictLtvTcpBinding } from "../../../src/tcp/prediction-tcp-binding.js";
import type { ContenderFactory } from "./unary-contender.js";

/**
 * The socket alone: one `node:net` socket, no pool, no deadline, no encoding
 * or decoding. Each call writes the request frame the TCP transport would
 * write (the same bytes, encoded once) and resolves once a whole answer frame
 * (4-byte length + payload) is in. Sequential only. Not a client (the minimal
 * TCP client is the floor): against the near-free server it shows what the
 * socket and the loopback cost, and so, by difference, the codec.
 */
export const bareSocket: ContenderFactory = async (target) => {
  const url = new URL(target.tcpUrl);
  const frame = predictLtvTcpBinding.encodeRequest(target.request);
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let waiting: (() => void) | undefined;
  let buffered = 0;
  let expected = -1;
  let head: Buffer | undefined;
  socket.on("data", (chunk: Buffer) => {
    // Only the length matters: count bytes until the announced frame is complete.
    buffered += chunk.byteLength;
    if (expected < 0) {
      head = head ? Buffer.concat([head, chunk]) : chunk;
      if (head.byteLength < 4) return;
      expected = 4 + head.readUInt32BE(0);
      head = undefined;
    }
    if (buffered >= expected) {
      buffered = 0;
      expected = -1;
      const w = waiting;
      waiting = undefined;
      w?.();
    }
  });
  const call = () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      socket.write(frame);
    });
  await call();
  return {
    id: "bare",
    name: "bare socket: pre-encoded bytes, no decoding (sequential)",
    sequentialOnly: true,
    call,
    close: async () => void socket.destroy(),
  };
};
