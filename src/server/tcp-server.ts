import { timingSafeEqual } from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { ConnectError, createHandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { StorageService } from "../gen/sutra/storage/storage_pb.js";
import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import { FrameDecoder, defaultMaxFrameBytes } from "../tcp/frame-codec.js";
import type { TcpMethodBinding } from "../tcp/method-binding.js";
import { decodeMsgpack } from "../tcp/msgpack-codec.js";
import { predictionTcpBindings } from "../tcp/prediction-tcp-binding.js";
import { storageTcpBindings } from "../tcp/storage-tcp-binding.js";
import { encodeErrorFrame, readTagged } from "../tcp/tagged-value.js";
import { maxAuthTokenBytes } from "../tcp/tcp-transport-options.js";
import {
  defaultHandshakeTimeoutMs,
  defaultIdleTimeoutMs,
  readAheadBytes,
  writeHighWaterBytes,
} from "./connection-limits.js";
import { createDescriptorGuard } from "./descriptor-guard.js";
import { checkTimeoutMs } from "./server-options-check.js";
import { logToStderr } from "./stderr-log.js";

/**
 * Options of {@link createTcpServer}.
 *
 * @public
 */
export interface TcpServerOptions {
  /**
   * Interface to listen on.
   * @defaultValue "127.0.0.1"
   */
  host?: string;
  /**
   * Port to listen on; 0 picks a free one (read it back from {@link TcpServer.port}).
   * @defaultValue 0
   */
  port?: number;
  /** The prediction service implementation (e.g. `ReferenceServer.prediction`). */
  prediction: ServiceImpl<typeof SyncValueService>;
  /** The storage service implementation (e.g. `ReferenceServer.storage`). */
  storage: ServiceImpl<typeof StorageService>;
  /**
   * Require the auth handshake with this token (1..4096 UTF-8 bytes); a wrong
   * token closes the connection.
   * @defaultValue no handshake
   */
  authToken?: string;
  /**
   * Largest request frame; a larger announced length closes the connection.
   * @defaultValue 16 MiB
   */
  maxFrameBytes?: number;
  /**
   * Close a connection with nothing read or written for this long (and no
   * request being answered); 0 never closes idle connections.
   * @defaultValue 300000 (5 minutes)
   */
  idleTimeoutMs?: number;
  /**
   * Close a connection that has not completed the TLS handshake (with `tls`)
   * or the auth handshake (with `authToken`) in this time.
   * @defaultValue 10000
   */
  handshakeTimeoutMs?: number;
  /**
   * Receives the server's rare operational messages, one line each: file
   * descriptors running out (accepting stops until some close) and back.
   * @defaultValue a line on stderr, prefixed `syncvalue: `
   */
  log?: (message: string) => void;
  /** Told about every connection opened and closed (e.g. `ReferenceServer.health`). */
  health?: { connectionOpened(): void; connectionClosed(): void };
  /**
   * Serve TLS (`tcps://`) with these PEM credentials; `ca` with
   * `requestCert: true` demands client certificates (mutual TLS).
   * @defaultValue plain TCP
   */
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
}

/**
 * A running TCP listener.
 *
 * @public
 */
export interface TcpServer {
  readonly host: string;
  /** The port actually bound. */
  readonly port: number;
  /** `tcp://host:port`, or `tcps://` with TLS. */
  readonly url: string;
  /** Stops listening and destroys every connection; resolves once the port is released. */
  close(): Promise<void>;
}

/** Requests read ahead of the one being answered before the socket is paused. */
const readAheadFrames = 64;

/**
 * How a connection's reading stands: it reads while it has room for more
 * requests, and stops (the socket paused, so TCP flow control holds the
 * client back) while too many requests wait or while its answers are not
 * being read by the client.
 */
type ReadState = "reading" | "queue-full" | "write-blocked";

const bindingsByVariant = new Map<string, { binding: TcpMethodBinding; service: "prediction" | "storage" }>();
for (const b of storageTcpBindings) bindingsByVariant.set(b.requestVariant, { binding: b, service: "storage" });
for (const b of predictionTcpBindings) bindingsByVariant.set(b.requestVariant, { binding: b, service: "prediction" });
const knownVariants = [...bindingsByVariant.keys()].map((v) => `\`${v}\``).join(", ");

/**
 * Serves both services over the raw TCP binding (docs/wire-protocol.md),
 * like the storage server's Rust implementation: strictly sequential per
 * connection (read one frame, answer it, read the next), requests as named
 * maps or positional arrays, unit variants as bare strings or `{V: nil}`
 * (`{V: {}}` is rejected), answers as positional arrays with float32 for
 * `f32` fields, `{"Error": [message]}` for bad input and failed calls, and the
 * connection closed on an oversize frame or a refused auth token.
 *
 * The message mapping is the client's own (`src/tcp` bindings), run in the
 * other direction.
 *
 * @public
 */
export async function createTcpServer(options: TcpServerOptions): Promise<TcpServer> {
  const host = options.host ?? "127.0.0.1";
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1) {
    throw new ConnectError(`maxFrameBytes: expected a positive integer, got ${maxFrameBytes}`, 3);
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? defaultHandshakeTimeoutMs;
  checkTimeoutMs(idleTimeoutMs, "idleTimeoutMs", true);
  checkTimeoutMs(handshakeTimeoutMs, "handshakeTimeoutMs", false);
  const token = options.authToken === undefined ? undefined : Buffer.from(options.authToken, "utf8");
  if (token && (token.length < 1 || token.length > maxAuthTokenBytes)) {
    throw new ConnectError(`authToken: must be 1..${maxAuthTokenBytes} UTF-8 bytes (got ${token.length})`, 3);
  }
  const impls = { prediction: options.prediction, storage: options.storage } as Record<
    "prediction" | "storage",
    Record<string, (req: unknown, ctx: unknown) => unknown>
  >;
  const scheme = options.tls ? "tcps" : "tcp";
  const shown = host.includes(":") ? `[${host}]` : host;
  let url = "";

  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    options.health?.connectionOpened();
    socket.setNoDelay(true);
    const closed = new AbortController();
    socket.once("close", () => {
      sockets.delete(socket);
      closed.abort();
      options.health?.connectionClosed();
    });
    socket.on("error", () => socket.destroy());
    serveConnection(socket, closed.signal);
  };

  function serveConnection(socket: net.Socket, closed: AbortSignal): void {
    const decoder = new FrameDecoder(maxFrameBytes);
    const frames: Uint8Array[] = [];
    let queuedBytes = 0;
    let authed = token === undefined;
    let hello = Buffer.alloc(0);
    let working = false;
    let readState: ReadState = "reading";

    // Until the token is in, the handshake timeout; then the idle one, which
    // spares a connection whose request is still being computed (the answer's
    // write re-arms the timer) but not one whose answers are not being read.
    socket.setTimeout(authed ? idleTimeoutMs : handshakeTimeoutMs);
    socket.on("timeout", () => {
      if (authed && working && readState !== "write-blocked") return;
      socket.destroy();
    });

    const updateReading = () => {
      const next: ReadState =
        socket.writableLength > writeHighWaterBytes
          ? "write-blocked"
          : frames.length > readAheadFrames || queuedBytes > readAheadBytes
            ? "queue-full"
            : readState === "queue-full" && frames.length > readAheadFrames / 2
              ? "queue-full" // hysteresis: resume at half the queue
              : "reading";
      readState = next;
      if (next === "reading") socket.resume();
      else socket.pause();
    };

    socket.on("data", (chunk: Buffer) => {
      if (!authed) {
        hello = Buffer.concat([hello, chunk]);
        if (hello.length < 4) return;
        const n = hello.readUInt32BE(0);
        if (n > maxAuthTokenBytes) return void socket.destroy();
        if (hello.length < 4 + n) return;
        const offered = hello.subarray(4, 4 + n);
        if (offered.length !== token!.length || !timingSafeEqual(offered, token!)) return void socket.destroy();
        authed = true;
        socket.setTimeout(idleTimeoutMs);
        socket.write(Uint8Array.of(1));
        const rest = hello.subarray(4 + n);
        hello = Buffer.alloc(0);
        if (rest.length === 0) return;
        chunk = rest;
      }
      try {
        // Copy: frames may be views of the chunk and wait in the queue.
        for (const f of decoder.push(chunk)) {
          frames.push(f.byteOffset === 0 && f.byteLength === f.buffer.byteLength ? f : f.slice());
          queuedBytes += f.byteLength;
        }
      } catch {
        socket.destroy(); // oversize frame: the stream cannot be resynchronised
        return;
      }
      updateReading();
      void work();
    });

    async function work(): Promise<void> {
      if (working) return;
      working = true;
      try {
        while (frames.length > 0 && !closed.aborted) {
          const request = frames.shift()!;
          queuedBytes -= request.byteLength;
          const reply = await answer(request, closed);
          if (closed.aborted) return;
          socket.write(reply);
          updateReading();
          // A client that does not read its answers gets no more of them
          // computed (nor its requests read) until they are flushed.
          if (readState === "write-blocked") await drained(socket, closed);
          updateReading();
        }
      } finally {
        working = false;
      }
    }
  }

  async function answer(payload: Uint8Array, closed: AbortSignal): Promise<Uint8Array> {
    let entry: { binding: TcpMethodBinding; service: "prediction" | "storage" } | undefined;
    let request: MessageShape<DescMessage>;
    try {
      const tagged = readTagged(decodeMsgpack(payload));
      entry = bindingsByVariant.get(tagged.variant);
      if (!entry) return encodeErrorFrame(`unknown variant \`${tagged.variant}\`, expected one of ${knownVariants}`);
      request = entry.binding.decodeRequest(tagged.body, tagged.bare);
    } catch (e) {
      return encodeErrorFrame(ConnectError.from(e).rawMessage);
    }
    const { binding, service } = entry;
    const method = binding.method;
    // A signal per call: createHandlerContext listens on it and never removes the listener, so
    // passing the connection's signal would grow its listener list with every request.
    const call = new AbortController();
    const onClosed = () => call.abort();
    closed.addEventListener("abort", onClosed, { once: true });
    try {
      const ctx = createHandlerContext({
        service: method.parent,
        method,
        protocolName: "tcp",
        requestMethod: "POST",
        url: `${url}/${method.parent.typeName}/${method.name}`,
        requestSignal: call.signal,
      });
      const impl = impls[service][method.localName];
      if (typeof impl !== "function") return encodeErrorFrame(`${binding.requestVariant} is not implemented`);
      const result = await impl.call(impls[service], request, ctx);
      return binding.encodeResponse(create(method.output, result as never));
    } catch (e) {
      return encodeErrorFrame(ConnectError.from(e).rawMessage);
    } finally {
      closed.removeEventListener("abort", onClosed);
    }
  }

  const server = options.tls
    ? tls.createServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ca: options.tls.ca,
          requestCert: options.tls.requestCert ?? false,
          rejectUnauthorized: options.tls.requestCert ?? false,
          minVersion: "TLSv1.2",
          handshakeTimeout: handshakeTimeoutMs,
        },
        onConnection,
      )
    : net.createServer({ noDelay: true }, onConnection);
  // A failed or timed-out TLS handshake is the client's problem: drop it (Node leaves that to this listener).
  server.on("tlsClientError", (_e: Error, socket: tls.TLSSocket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  url = `${scheme}://${shown}:${port}`;
  const log = options.log ?? logToStderr;
  const guard = createDescriptorGuard({ server, port, host, name: "TCP", log });
  // Raw connections, before any TLS handshake: each holds a descriptor.
  server.on("connection", (socket: net.Socket) => {
    guard.opened();
    socket.once("close", () => guard.closed());
  });
  // Once listening, an error is never a reason to crash the server.
  server.on("error", (e) => {
    if (!guard.listenerError(e)) log(`TCP port: ${e instanceof Error ? e.message : String(e)}`);
  });
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (guard.stop()) server.close(() => resolve());
        else resolve();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

/** Resolves once the socket's buffered answers are flushed, or it closes. */
function drained(socket: net.Socket, closed: AbortSignal): Promise<void> {
  if (socket.writableLength === 0 || closed.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      closed.removeEventListener("abort", done);
      resolve();
    };
    socket.on("drain", done);
    closed.addEventListener("abort", done, { once: true });
  });
}
