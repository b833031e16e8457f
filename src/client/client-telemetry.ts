import type { ContextKey, Transport } from "@connectrpc/connect";
import { callNotesKey, type CallNotes } from "../metrics/call-notes.js";
import type { ServiceName } from "../metrics/client-event.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import type { ResolvedEndpoint } from "./resolved-endpoint.js";

/**
 * The wire a service is reached over: one of the HTTP protocols, or the raw
 * TCP binding (framed MessagePack).
 *
 * @public
 */
export type WireTransport = "grpc" | "connect" | "grpc-web" | "tcp";

/**
 * What a {@link ClientTelemetry} is told about one service of a client.
 *
 * @public
 */
export interface TelemetryTarget {
  /** Which service (and endpoint). */
  readonly service: ServiceName;
  /** The wire the endpoint is reached over. */
  readonly transport: WireTransport;
  /** The endpoint's URL: `http(s)://host[:port][/path]` or `tcp(s)://host[:port]`, checked. */
  readonly url: string;
  /**
   * The key of a call's {@link CallNotes} in its context values: the
   * `calls` layer puts fresh notes there, the cache, retry, hedging and
   * fallback layers fill them in, the `attempts` layer reads them.
   */
  readonly notesKey: ContextKey<CallNotes | undefined>;
}

/**
 * A tracing and metrics integration of a client (`createClient({ telemetry })`),
 * such as `openTelemetry()` from `syncvalue/otel`. It wraps each service's
 * transport twice; a client without one has neither layer.
 *
 * @public
 */
export interface ClientTelemetry {
  /**
   * Wraps the service's transport as its callers see it, above the cache
   * and every resilience layer (below validation and the default deadline):
   * one call here is one caller's call, a cache hit or a fallback included.
   * Each call must carry fresh {@link CallNotes} under `target.notesKey`
   * in the context values it passes on.
   */
  calls(next: Transport, target: TelemetryTarget): Transport;
  /**
   * Wraps the transport each attempt is sent on, below retries and hedging
   * (so every attempt passes here), e.g. to put trace headers on the wire.
   */
  attempts(next: Transport, target: TelemetryTarget): Transport;
}

/** Checks the `telemetry` option; undefined means none. */
export function checkTelemetry(telemetry: unknown): ClientTelemetry | undefined {
  if (telemetry === undefined) return undefined;
  const t = telemetry as Partial<ClientTelemetry> | null;
  if (t === null || typeof t !== "object" || typeof t.calls !== "function" || typeof t.attempts !== "function") {
    throw invalidArgument("telemetry", "must be openTelemetry() from syncvalue/otel or a ClientTelemetry");
  }
  return t as ClientTelemetry;
}

/** The telemetry target of a service's resolved endpoint. */
export function telemetryTarget(service: ServiceName, endpoint: ResolvedEndpoint): TelemetryTarget {
  const http = endpoint.kind === "http";
  return { service, transport: http ? endpoint.protocol : "tcp", url: http ? endpoint.baseUrl : endpoint.url, notesKey: callNotesKey };
}
