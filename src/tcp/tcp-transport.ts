import { create, isMessage } from "@bufbuild/protobuf";
import type { DescMessage, DescMethod, DescMethodStreaming, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type ContextValues,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import { runStreamingCall, runUnaryCall } from "@connectrpc/connect/protocol";
import { effectiveTimeout } from "../call/deadline.js";
import { lazyUnaryResponse } from "../call/lazy-unary-response.js";
import { withSettlingInterceptor } from "../call/settling-interceptor.js";
import { SyncValueService } from "../gen/syncvalue/v1/syncvalue_pb.js";
import { CallDeadline, callSignalReason, type CallSignal } from "../call/call-signal.js";
import { ConnectionPool, type ConnectionPoolStats } from "./connection-pool.js";
import { decodeAnswerPayload, type TcpMethodBinding } from "./method-binding.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import { pipelineInOrder } from "./pipeline-in-order.js";
import { predictLtvTcpBinding, predictionTcpBindings } from "./prediction-tcp-binding.js";
import { storageTcpBindings } from "./storage-tcp-binding.js";
import { resolveTcpTransportOptions, type TcpTransportOptions } from "./tcp-transport-options.js";

/** A Connect `Transport` over the raw TCP binding, with its warm pool. */
export interface TcpTransport extends Transport {
  /** The normalised endpoint, e.g. `tcp://127.0.0.1:50051`. */
  readonly url: string;
  /** Opens `pool.min` connections now; rejects if the endpoint cannot be reached. */
  warmup(): Promise<void>;
  /** Fails queued calls, lets in-flight ones finish, and closes every connection. */
  close(): Promise<void>;
  /** Pool counters for metrics. */
  stats(): ConnectionPoolStats;
}

const bindingsByMethod = new Map<string, TcpMethodBinding>();
for (const b of [...storageTcpBindings, ...predictionTcpBindings]) bindingsByMethod.set(methodKey(b.method), b);

function methodKey(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/** Bindings by descriptor: the per-call lookup is by identity, without building the method's key (weak: descriptors may be built at run time). */
const bindingsByDescriptor = new WeakMap<DescMethod, TcpMethodBinding>();

function bindingFor(method: DescMethod): TcpMethodBinding {
  const known = bindingsByDescriptor.get(method);
  if (known !== undefined) return known;
  const binding = bindingsByMethod.get(methodKey(method));
  if (binding) bindingsByDescriptor.set(method, binding);
  if (!binding) {
    throw new ConnectError(`${methodKey(method)} has no raw TCP binding`, Code.Unimplemented);
  }
  return binding;
}

/** The bare `"HealthCheck"` frame used to verify idle connections. */
function healthProbeFrame(): Uint8Array {
  const w = new MsgpackWriter(true, 32);
  w.str("HealthCheck");
  return w.finishFrame();
}

/**
 * Creates a Connect `Transport` that speaks the raw TCP binding of
 * docs/wire-protocol.md (framed MessagePack), for both
 * `sutra.storage.StorageService` and `syncvalue.v1.SyncValueService`. Call
 * options (deadline via `timeoutMs`, `signal`), interceptors, context values
 * and `ConnectError` codes behave as on Connect's HTTP transports: a passed
 * deadline is `DeadlineExceeded`, an abort `Canceled`, a server `Error`
 * answer `Unknown` with the server's message, a malformed answer `Internal`.
 *
 * Options are validated at once; bad ones throw `InvalidArgument` naming the
 * option, before any connection is made.
 *
 * @example
 * ```ts
 * import { createClient } from "@connectrpc/connect";
 * const transport = createTcpTransport({ url: "tcp://127.0.0.1:50051", connect: connectNodeSocket });
 * await transport.warmup();
 * const storage = createClient(StorageService, transport);
 * const { sequence } = await storage.learnConcept({ conceptId: "c1", content: "..." }, { timeoutMs: 50 });
 * ```
 */
export function createTcpTransport(options: TcpTransportOptions): TcpTransport {
  const o = resolveTcpTransportOptions(options);
  const interceptors = withSettlingInterceptor(o.interceptors);
  const { endpoint } = o;
  const pool = new ConnectionPool(
    {
      host: endpoint.host,
      port: endpoint.port,
      url: endpoint.url,
      connect: o.connect,
      tls: o.tls,
      authToken: o.authToken,
      maxFrameBytes: o.maxFrameBytes,
      connectTimeoutMs: o.connectTimeoutMs,
      keepAliveInitialDelayMs: o.keepAliveInitialDelayMs,
      lateAnswerGraceMs: o.pool.lateAnswerGraceMs,
    },
    o.pool,
    healthProbeFrame(),
    o.connect.perRequest === true,
  );
  const streamWindow = Math.max(1, o.pool.max * o.pool.pipelining);
  // A socket per call (Workers): there a timer belongs to the request that armed it, so each
  // call's deadline gets a timer of its own rather than the shared deadline timers.
  const perRequest = o.connect.perRequest === true;

  function encode(binding: TcpMethodBinding, message: MessageShape<DescMessage>): Uint8Array {
    try {
      return binding.encodeRequest(message, o.requestFields);
    } catch (e) {
      throw new ConnectError(`${binding.requestVariant}: ${e instanceof Error ? e.message : String(e)}`, Code.InvalidArgument);
    }
  }

  function call(binding: TcpMethodBinding, message: MessageShape<DescMessage>, signal: CallSignal | undefined): Promise<MessageShape<DescMessage>> {
    const frame = encode(binding, message);
    // The server closes the connection on a frame above its cap (16 MiB by default, like
    // ours), failing everything pipelined with it: refuse it here, before a byte is sent.
    if (frame.byteLength - 4 > o.maxFrameBytes) {
      return Promise.reject(
        new ConnectError(`request: encodes to ${frame.byteLength - 4} bytes, above the ${o.maxFrameBytes}-byte frame cap (maxFrameBytes)`, Code.InvalidArgument),
      );
    }
    return pool.request(
      frame,
      (payload, history) => {
        const response = decodeAnswerPayload(binding, payload);
        binding.checkAnswer(message, response, history);
        return response;
      },
      signal,
    );
  }

  /**
   * A unary call without interceptors, with the outcome `runUnaryCall` would
   * give (deadline `DeadlineExceeded`, abort `Canceled`, errors as
   * `ConnectError`) at a fraction of its cost: no AbortController (a
   * {@link CallDeadline} carries the deadline and the caller's signal), none
   * aborted on success (Connect aborts one after every call, which builds a
   * DOMException with a stack trace), and no WHATWG Headers unless read.
   */
  function leanUnary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    input: MessageInitShape<I>,
  ): Promise<UnaryResponse<I, O>> {
    const timeout = effectiveTimeout(timeoutMs, o.defaultTimeoutMs);
    let answer: Promise<MessageShape<DescMessage>>;
    let deadline: CallDeadline | undefined;
    try {
      const binding = bindingFor(method);
      const message = (isMessage(input, method.input) ? input : create(method.input, input)) as MessageShape<DescMessage>;
      if (timeout !== undefined || signal !== undefined) deadline = new CallDeadline(timeout, signal, perRequest);
      answer = call(binding, message, deadline);
    } catch (e) {
      answer = Promise.reject(e);
    }
    return answer.then(
      (out) => {
        deadline?.dispose();
        // The TCP binding carries no headers: both are empty, built only if read.
        return lazyUnaryResponse(method, out as MessageShape<O>, emptyHeaders, emptyHeaders);
      },
      (e: unknown) => {
        deadline?.dispose();
        throw deadline?.aborted ? ConnectError.from(callSignalReason(deadline), Code.Canceled) : ConnectError.from(e);
      },
    );
  }

  /** A unary call through Connect's `runUnaryCall`, for the user's interceptors. */
  async function interceptedUnary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    message: MessageInitShape<I>,
    contextValues: ContextValues | undefined,
  ): Promise<UnaryResponse<I, O>> {
    return await runUnaryCall<I, O>({
      interceptors,
      signal,
      timeoutMs: effectiveTimeout(timeoutMs, o.defaultTimeoutMs),
      req: {
        stream: false,
        service: method.parent,
        method,
        requestMethod: "POST",
        url: `${endpoint.url}/${method.parent.typeName}/${method.name}`,
        header: new Headers(header),
        contextValues: contextValues ?? createContextValues(),
        message,
      },
      next: async (req) => {
        const binding = bindingFor(req.method);
        const out = await call(binding, req.message, req.signal);
        return {
          stream: false,
          service: req.service,
          method: req.method,
          header: new Headers(),
          message: out as MessageShape<O>,
          trailer: new Headers(),
        };
      },
    });
  }

  return {
    url: endpoint.url,
    warmup: () => pool.warmup(),
    close: () => pool.close(),
    stats: () => pool.stats(),

    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      message: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      // Not an async function: that would wrap the lean path's promise in another one.
      return interceptors.length === 0
        ? leanUnary(method, signal, timeoutMs, message)
        : interceptedUnary(method, signal, timeoutMs, header, message, contextValues);
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      return runStreamingCall<I, O>({
        interceptors,
        signal,
        timeoutMs: effectiveTimeout(timeoutMs, o.defaultTimeoutMs),
        req: {
          stream: true,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: `${endpoint.url}/${method.parent.typeName}/${method.name}`,
          header: new Headers(header),
          contextValues: contextValues ?? createContextValues(),
          message: input,
        },
        next: async (req) => {
          if (methodKey(req.method) !== methodKey(SyncValueService.method.predictLTVStream)) {
            throw new ConnectError(`${methodKey(req.method)} has no raw TCP binding`, Code.Unimplemented);
          }
          const binding = predictLtvTcpBinding as unknown as TcpMethodBinding;
          // One listener on the call's signal fans out to every pipelined message, instead of one
          // listener per message on the shared signal.
          const outstanding = new Set<AbortController>();
          req.signal.addEventListener(
            "abort",
            () => {
              for (const c of outstanding) c.abort(req.signal.reason);
            },
            { once: true },
          );
          const answers = pipelineInOrder(
            req.message as AsyncIterable<MessageShape<DescMessage>>,
            async (m) => {
              const child = new AbortController();
              if (req.signal.aborted) child.abort(req.signal.reason);
              outstanding.add(child);
              try {
                return await call(binding, m, child.signal);
              } finally {
                outstanding.delete(child);
              }
            },
            streamWindow,
          );
          return {
            stream: true,
            service: req.service,
            method: req.method,
            header: new Headers(),
            message: answers as AsyncIterable<MessageShape<O>>,
            trailer: new Headers(),
          };
        },
      });
    },
  };
}

const emptyHeaders = () => new Headers();
