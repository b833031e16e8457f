import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { Socket } from "node:net";
import { writeHighWaterBytes } from "./connection-limits.js";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;
type NodeHandler = (req: NodeRequest, res: NodeResponse) => void;

/** Pipelined HTTP/1.1 requests a connection may have waiting before its socket is paused. */
const maxWaitingRequests = 32;

/** One HTTP/1.1 connection's requests: the one being answered, and those waiting behind it. */
interface ConnectionQueue {
  busy: boolean;
  waiting: Array<[NodeRequest, NodeResponse]>;
  /** Whether this queue paused the socket (so only it resumes it). */
  paused: boolean;
}

/**
 * Answers the pipelined requests of an HTTP/1.1 connection one at a time.
 *
 * Node's HTTP/1.1 server hands every request parsed from a chunk to the
 * handler at once, and buffers each answer in memory until the ones before
 * it are sent; a client that pipelines hundreds of requests for a large
 * answer and never reads made the server compute and hold them all. Here a
 * request starts only once the previous answer is handed to the socket and
 * the socket's buffer is below the high-water mark (else on `drain`), and the
 * socket stops being read while more than 32 requests wait. HTTP/2 requests
 * pass straight through (its streams have flow control).
 */
export function answerPipelinedRequestsInOrder(handler: NodeHandler): NodeHandler {
  const queues = new WeakMap<Socket, ConnectionQueue>();

  function next(socket: Socket, queue: ConnectionQueue): void {
    const item = queue.waiting.shift();
    if (item === undefined) {
      queue.busy = false;
      // Resume only a pause of ours: Node pauses the socket itself while its answers wait.
      if (queue.paused) {
        queue.paused = false;
        if (!(socket as Socket & { _paused?: boolean })._paused) socket.resume();
      }
      return;
    }
    queue.busy = true;
    const [req, res] = item;
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      if (socket.destroyed) return;
      if (socket.writableLength <= writeHighWaterBytes) return next(socket, queue);
      const go = () => {
        socket.off("drain", go);
        socket.off("close", go);
        next(socket, queue);
      };
      socket.on("drain", go);
      socket.once("close", go);
    };
    res.once("finish", finished);
    res.once("close", finished);
    handler(req, res);
  }

  return (req, res) => {
    if (req.httpVersionMajor !== 1) return handler(req, res);
    const socket = req.socket as Socket;
    let queue = queues.get(socket);
    if (queue === undefined) {
      queue = { busy: false, waiting: [], paused: false };
      queues.set(socket, queue);
    }
    queue.waiting.push([req, res]);
    if (queue.waiting.length > maxWaitingRequests && !queue.paused) {
      queue.paused = true;
      socket.pause();
    }
    if (!queue.busy) next(socket, queue);
  };
}
