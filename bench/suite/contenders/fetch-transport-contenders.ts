import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { SyncValueService } from "../../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { createFetchTransport } from "../../../src/web/create-fetch-transport.js";
import type { ContenderFactory } from "./unary-contender.js";

/**
 * The SDK's fetch transport (`src/web/`, what edge runtimes get) and
 * connect-web's Connect transport it replaces for unary calls, both binary
 * Connect over HTTP/1.1 `fetch` (undici on Node), under the same Connect
 * client: the CPU side of the bundle comparison.
 */

/** `createFetchTransport` of the SDK, Connect protocol (its default). */
export const syncvalueFetch: ContenderFactory = async (target) => {
  const client = createClient(SyncValueService, createFetchTransport({ baseUrl: target.httpUrl }));
  const { request, deadlineMs } = target;
  const call = () => client.predictLTV(request, { timeoutMs: deadlineMs });
  await call();
  // undici's global agent owns the sockets; idle ones do not keep the process alive.
  return { id: "fetch", name: "syncvalue fetch transport (Connect binary, HTTP/1.1 fetch)", call, close: async () => {} };
};

/** connect-web's `createConnectTransport` with binary protobuf. */
export const connectWebBinary: ContenderFactory = async (target) => {
  const client = createClient(SyncValueService, createConnectTransport({ baseUrl: target.httpUrl, useBinaryFormat: true }));
  const { request, deadlineMs } = target;
  const call = () => client.predictLTV(request, { timeoutMs: deadlineMs });
  await call();
  return { id: "connect-web", name: "connect-web createConnectTransport (Connect binary, HTTP/1.1 fetch)", call, close: async () => {} };
};
