import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import type { RequestValidator } from "../validation/request-validator.js";
import { createValidatingTransport } from "../validation/validating-transport.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { checkAuthToken } from "./bearer-auth.js";
import { clientDefaults, type ClientOptions, type Endpoint } from "./client-options.js";
import { createDefaultDeadlineTransport } from "./default-deadline-transport.js";
import { checkByteCount, resolveEndpoint, type ResolvedEndpoint } from "./resolved-endpoint.js";
import { ResponseBudget } from "./response-budget.js";
import type { ManagedTransport, RuntimePlatform, TransportContext } from "./runtime-platform.js";
import { createFailingTransport } from "./unavailable-transport.js";

/** The options every client has (documented on `ClientOptions`). */
export type BaseClientOptions = Pick<ClientOptions, "timeoutMs" | "auth" | "interceptors" | "maxResponseBytesInFlight">;

/**
 * What `createClient` and `createPredictionClient` are both built on: their
 * shared options checked, endpoints resolved on the runtime's platform, the
 * transports it builds (for `warmup()` and `close()`), and the outer layers of
 * every service: validation, the default deadline and the closed guard.
 */
export interface ClientBase {
  /**
   * Checks endpoints, keyed by the name of their option, and fills in their
   * defaults; a `tcp(s)://` one is refused (`Unimplemented`) where the runtime
   * has no sockets. Builds nothing, so a bad endpoint leaves nothing open.
   */
  resolve<K extends string>(endpoints: Partial<Record<K, Endpoint>>): Partial<Record<K, ResolvedEndpoint>>;
  /** Builds the runtime's transport for a resolved endpoint; `warmup()` and `close()` reach it. */
  connect(endpoint: ResolvedEndpoint): ManagedTransport;
  /**
   * A service's transport, outermost first: validation with `validators`
   * (the service's own), the default deadline, then what `features` builds
   * over the guarded base transport (cache, resilience: below the deadline,
   * so they see each call's effective timeout). A closed client fails every
   * call with `FailedPrecondition`, above and below `features`, so it serves
   * no cache hit either.
   */
  stack(
    base: Transport,
    validators: ReadonlyMap<DescMethod, RequestValidator>,
    features: (guarded: Transport) => Transport,
  ): Transport;
  /** Opens pooled connections of every transport built. */
  warmup(): Promise<void>;
  /** Marks the client closed and closes every transport built. Idempotent. */
  close(): Promise<void>;
}

/**
 * Checks the options every client shares (`options` itself, `timeoutMs`,
 * `interceptors`, `auth`, `maxResponseBytesInFlight`), throwing `InvalidArgument` naming the option.
 */
export function createClientBase(platform: RuntimePlatform, options: BaseClientOptions): ClientBase {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "must be an object");
  const timeoutMs = options.timeoutMs ?? clientDefaults.timeoutMs;
  // Timers cap at 2^31-1 ms; a longer delay fires at once (every call would time out).
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2 ** 31 - 1) {
    throw invalidArgument("timeoutMs", "must be a positive number of milliseconds, at most 2147483647");
  }
  const { interceptors } = options;
  if (interceptors !== undefined && (!Array.isArray(interceptors) || interceptors.some((i) => typeof i !== "function"))) {
    throw invalidArgument("interceptors", "must be an array of interceptor functions");
  }
  let authToken: string | undefined;
  if (options.auth !== undefined) {
    checkAuthToken(options.auth);
    authToken = options.auth.token;
  }
  const inFlightBytes = checkByteCount(options.maxResponseBytesInFlight, "maxResponseBytesInFlight") ?? clientDefaults.maxResponseBytesInFlight;
  const context: TransportContext = { interceptors: options.interceptors ?? [], authToken, responseBudget: new ResponseBudget(inFlightBytes) };
  const open: ManagedTransport[] = [];
  let closed = false;
  const closedTransport = createFailingTransport("client is closed", Code.FailedPrecondition);
  // Checked per call rather than swapping transports: a client may be closed
  // while calls are being made from other async contexts.
  const guardClosed = (transport: Transport): Transport => ({
    unary: (...args) => (closed ? closedTransport : transport).unary(...args),
    stream: (...args) => (closed ? closedTransport : transport).stream(...args),
  });

  return {
    resolve(endpoints) {
      const resolved: Record<string, ResolvedEndpoint> = {};
      for (const [field, endpoint] of Object.entries<Endpoint | undefined>(endpoints)) {
        if (endpoint !== undefined) resolved[field] = resolveEndpoint(endpoint, field, platform);
      }
      for (const [field, r] of Object.entries(resolved)) {
        if (r.kind === "tcp" && !platform.createTcpTransport) {
          const why = platform.tcpRefusal ?? "tcp:// endpoints need a runtime with sockets; use an http(s):// endpoint here";
          throw new ConnectError(`${field}: ${why}`, Code.Unimplemented);
        }
      }
      return resolved as Partial<Record<keyof typeof endpoints, ResolvedEndpoint>>;
    },
    connect(endpoint) {
      const transport = endpoint.kind === "http" ? platform.createHttpTransport(endpoint, context) : platform.createTcpTransport!(endpoint, context);
      open.push(transport);
      return transport;
    },
    stack(base, validators, features) {
      const layered = guardClosed(features(guardClosed(base)));
      return createValidatingTransport(createDefaultDeadlineTransport(layered, timeoutMs), validators);
    },
    async warmup() {
      await Promise.all(open.map((t) => t.warmup?.()));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(open.map((t) => t.close()));
    },
  };
}
