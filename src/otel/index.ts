// The `syncvalue/otel` entry: OpenTelemetry for clients, on @opentelemetry/api.
export { openTelemetry } from "./open-telemetry.js";
export { openTelemetryDefaults, type OpenTelemetryOptions, type RpcSemanticConventions } from "./open-telemetry-options.js";
export type { CacheOutcome, CallNotes } from "../metrics/call-notes.js";
export type { ClientTelemetry, TelemetryTarget, WireTransport } from "../client/client-telemetry.js";
