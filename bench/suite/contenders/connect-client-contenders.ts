import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ResponseBudget } from "../../../src/client/response-budget.js";
import { resolveEndpoint } from "../../../src/client/resolved-endpoint.js";
import { clientDefaults } from "../../../src/client/client-options.js";
import { SyncValueService } from "../../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { nodePlatform } from "../../../src/node/node-platform.js";
import type { ContenderFactory } from "./unary-contender.js";

/**
 * The two gRPC paths side by side under the same Connect client
 * (`createClient` of @connectrpc/connect), with none of the SDK's layers
 * (validation, deadline, metrics): what the lean unary gRPC path
 * (`src/node/grpc-unary-call-node.ts`) saves against connect-node's own
 * transport, which it replaces for unary calls.
 */

/** connect-node's `createGrpcTransport` over HTTP/2, default settings. */
export const connectNodeGrpc: ContenderFactory = async (target) => {
  const client = createClient(SyncValueService, createGrpcTransport({ baseUrl: target.httpUrl }));
  const { request, deadlineMs } = target;
  const call = () => client.predictLTV(request, { timeoutMs: deadlineMs });
  await call();
  return {
    id: "connect-node-grpc",
    name: "connect-node createGrpcTransport (Connect client)",
    call,
    // connect-node's default session manager unrefs its idle sessions; nothing of ours to close.
    close: async () => {},
  };
};

/** The SDK's Node HTTP transport (its lean unary gRPC path on one HTTP/2 session) under the same Connect client. */
export const leanGrpcConnectClient: ContenderFactory = async (target) => {
  const endpoint = resolveEndpoint(target.httpUrl, "prediction", nodePlatform);
  if (endpoint.kind !== "http") throw new Error(`not an HTTP endpoint: ${target.httpUrl}`);
  const transport = nodePlatform.createHttpTransport(endpoint, {
    interceptors: [],
    authToken: undefined,
    responseBudget: new ResponseBudget(clientDefaults.maxResponseBytesInFlight),
  });
  await transport.warmup?.();
  const client = createClient(SyncValueService, { unary: transport.unary, stream: transport.stream });
  const { request, deadlineMs } = target;
  const call = () => client.predictLTV(request, { timeoutMs: deadlineMs });
  await call();
  return {
    id: "lean-grpc",
    name: "syncvalue lean gRPC path (Connect client)",
    call,
    close: () => transport.close(),
  };
};
