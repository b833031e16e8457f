import type { DescMethod } from "@bufbuild/protobuf";
import type { Code } from "@connectrpc/connect";
import type { Attributes } from "@opentelemetry/api";
import type { TelemetryTarget } from "../client/client-telemetry.js";
import type { CallNotes } from "../metrics/call-notes.js";
import type { RpcSemanticConventions } from "./open-telemetry-options.js";
import { connectCodeName, grpcStatusName } from "./rpc-status-code.js";
import { serverAddress } from "./server-address.js";

/** What every call of one method to one endpoint shares, computed on its first call. */
export interface MethodAttributes {
  /** `syncvalue.v1.SyncValueService/PredictLTV`: the span name. */
  readonly spanName: string;
  /** Known when the span starts: system, service, method, server, transport. */
  readonly start: Attributes;
}

/** The attributes of the spans and metrics of `method` on `target`. */
export function methodAttributes(target: TelemetryTarget, method: DescMethod, conventions: RpcSemanticConventions): MethodAttributes {
  const fullName = `${method.parent.typeName}/${method.name}`;
  const connect = target.transport === "connect";
  const start: Attributes =
    conventions === "stable"
      ? { "rpc.system.name": connect ? "connectrpc" : target.transport === "tcp" ? "syncvalue_tcp" : "grpc", "rpc.method": fullName }
      : {
          "rpc.system": connect ? "connect_rpc" : target.transport === "tcp" ? "syncvalue_tcp" : "grpc",
          "rpc.service": method.parent.typeName,
          "rpc.method": method.name,
        };
  const server = serverAddress(target);
  start["server.address"] = server.address;
  start["server.port"] = server.port;
  start["syncvalue.transport"] = target.transport;
  return { spanName: fullName, start };
}

/**
 * Adds the outcome of a call (`code` undefined: it answered) to `into`: the
 * status code in the conventions' form, and `error.type` on failure.
 */
export function addStatusAttributes(
  into: Attributes,
  target: TelemetryTarget,
  code: Code | undefined,
  conventions: RpcSemanticConventions,
): void {
  const connect = target.transport === "connect";
  if (conventions === "stable") {
    // Connect has no name for success: its codes name errors only.
    if (code !== undefined || !connect) into["rpc.response.status_code"] = code !== undefined && connect ? connectCodeName(code) : grpcStatusName(code);
    if (code !== undefined) into["error.type"] = grpcStatusName(code);
  } else if (connect) {
    if (code !== undefined) into["rpc.connect_rpc.error_code"] = connectCodeName(code);
  } else {
    into["rpc.grpc.status_code"] = code ?? 0;
  }
}

/** Adds what the client's layers did (cache, retries, hedge, fallback) to `into`. */
export function addNotesAttributes(into: Attributes, notes: CallNotes): void {
  if (notes.cache !== undefined) into["syncvalue.cache"] = notes.cache;
  if (notes.attempts > 0) into["syncvalue.retry.attempts"] = notes.attempts;
  if (notes.hedged) {
    into["syncvalue.hedge"] = true;
    into["syncvalue.hedge.won"] = notes.hedgeWon;
  }
  if (notes.fallback !== undefined) into["syncvalue.fallback"] = notes.fallback;
}
