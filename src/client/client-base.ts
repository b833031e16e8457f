import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import type { DescMethod, DescMethodUnary } from "@bufbuild/protobuf";
import { callError } from "../call/call-errors.js";
import type { RequestValidator } from "../validation/request-validator.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { createClosedGuardTransport } from "../layers/closed-guard-transport.js";
import { composeLayers, type LayerSet } from "../layers/compose-layers.js";
import { createDefaultDeadlineTransport } from "../layers/default-deadline-transport.js";
import { createReadyGateTransport } from "../layers/ready-gate-transport.js";
import { checkLayerInsertions } from "../layers/layer-insertion.js";
import { createValidatingTransport } from "../layers/validating-transport.js";
import { checkAuthToken } from "./bearer-auth.js";
import { clientDefaults, type ClientOptions, type Endpoint } from "./client-options.js";
import { checkByteCount, resolveEndpoint, type ResolvedEndpoint } from "./resolved-endpoint.js";
import { ResponseBudget } from "./response-budget.js";
import type { ManagedTransport, RuntimePlatform, TransportContext } from "./runtime-platform.js";
import { createFailingTransport } from "./unavailable-transport.js";
import { resolveWarmupOptions, type WarmupOptions } from "./warmup-options.js";

/** What `warmup()` verifies of an endpoint: its service, and a health call that proves it answers. */
export interface EndpointProbe {
  /** The service's name in messages: `prediction`, `storage`, `endpoint`. */
  readonly service: string;
  /** Its health method (`GetModelHealth`, `HealthCheck`), called with an empty request. */
  readonly health: DescMethodUnary;
}

/** The options every client has (documented on `ClientOptions`). */
export type BaseClientOptions = Pick<ClientOptions, "timeoutMs" | "auth" | "interceptors" | "maxResponseBytesInFlight" | "layers">;

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
  /**
   * Builds the runtime's transport for a resolved endpoint; `warmup()`
   * verifies it with `probe`, `close()` closes it.
   */
  connect(endpoint: ResolvedEndpoint, probe: EndpointProbe): ManagedTransport;
  /**
   * A service's transport: `layers` (the factory's, by position) and the
   * base's own (validation with `validators`, the service's own; the default
   * deadline; the closed guard) with the user's `layers` option, stacked in
   * the one order of `layerPositions` over the base transport. The layers
   * below the deadline see each call's effective timeout. A closed client
   * fails every call with `FailedPrecondition`, at its position and again
   * just above the base transport, so it serves no cache hit either. While
   * `base` is still loading its code (`ready`), calls wait for it at the
   * `readyGate` position, above the deadline, which therefore does not count
   * the wait.
   */
  stack(base: ManagedTransport, validators: ReadonlyMap<DescMethod, RequestValidator>, layers: LayerSet): Transport;
  /**
   * Verifies every endpoint: opens its pooled connections, then makes one
   * health round trip on its transport (below the cache, breaker and
   * fallback, which must not answer for it). Rejects with the failure of the
   * first endpoint that failed, its code kept and its message naming the
   * service and the endpoint; after `close()`, with `FailedPrecondition`.
   */
  warmup(options?: WarmupOptions): Promise<void>;
  /** Marks the client closed and closes every transport built. Idempotent. */
  close(): Promise<void>;
}

/**
 * Checks the options every client shares (`options` itself, `timeoutMs`,
 * `interceptors`, `auth`, `maxResponseBytesInFlight`, `layers`), throwing `InvalidArgument` naming the option.
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
  const insertions = checkLayerInsertions(options.layers);
  const context: TransportContext = { interceptors: options.interceptors ?? [], authToken, responseBudget: new ResponseBudget(inFlightBytes) };
  const open: { transport: ManagedTransport; probe: EndpointProbe; url: string; tcpWithoutToken: boolean }[] = [];
  let closed = false;
  const closedTransport = createFailingTransport("client is closed", Code.FailedPrecondition);
  const guardClosed = (transport: Transport): Transport => createClosedGuardTransport(transport, () => closed, closedTransport);

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
    connect(endpoint, probe) {
      const transport = endpoint.kind === "http" ? platform.createHttpTransport(endpoint, context) : platform.createTcpTransport!(endpoint, context);
      const url = endpoint.kind === "http" ? `${endpoint.baseUrl} (${endpoint.protocol})` : endpoint.url;
      open.push({ transport, probe, url, tcpWithoutToken: endpoint.kind === "tcp" && authToken === undefined });
      return transport;
    },
    stack(base, validators, layers) {
      return composeLayers(
        guardClosed(base),
        {
          ...layers,
          validation: (next) => createValidatingTransport(next, validators),
          readyGate: base.ready ? (next) => createReadyGateTransport(next, base.ready!) : undefined,
          defaultDeadline: (next) => createDefaultDeadlineTransport(next, timeoutMs),
          closedGuard: guardClosed,
        },
        insertions,
      );
    },
    async warmup(options) {
      if (closed) throw new ConnectError("client is closed: warmup() after close()", Code.FailedPrecondition);
      const { timeoutMs, signal } = resolveWarmupOptions(options);
      // Every endpoint is verified at once; the first failure in the order they were given wins.
      const verified = Promise.allSettled(open.map((o) => verify(o, timeoutMs, signal)));
      // While the connections open: every ConnectError holds a Headers, and on Node the
      // first Headers loads the fetch implementation (~30 ms of CPU). Loaded here, the
      // first failed or fallen-back call of a cold process does not pay it inside its deadline.
      new Headers();
      for (const outcome of await verified) {
        if (outcome.status === "rejected") throw outcome.reason;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(open.map((o) => o.transport.close()));
    },
  };
}

/**
 * Connects one endpoint (where its transport pools connections) and makes one
 * health round trip, within `timeoutMs`. A connection that opens is not
 * enough: a wrong protocol or a missing token only shows on a call. The health
 * call runs alongside the pool's connecting (it needs a connection anyway), so
 * the deadline bounds both and the call's error, which says why, is the one
 * reported.
 */
async function verify(
  { transport, probe, url, tcpWithoutToken }: { transport: ManagedTransport; probe: EndpointProbe; url: string; tcpWithoutToken: boolean },
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const connecting = transport.warmup?.();
  try {
    await transport.unary(probe.health, signal, timeoutMs, undefined, {}, undefined);
  } catch (e) {
    connecting?.catch(() => {});
    const error = callError(e, probe.health.name, timeoutMs);
    // A raw TCP server that requires a token closes the connection of a client without one:
    // an Unavailable with nothing more to say.
    const hint = tcpWithoutToken && error.code === Code.Unavailable ? " (if the server requires a token, pass `auth`)" : "";
    throw new ConnectError(`warmup: ${probe.service} endpoint ${url}: ${error.rawMessage}${hint}`, error.code, error.metadata, undefined, error);
  }
  await connecting;
}
