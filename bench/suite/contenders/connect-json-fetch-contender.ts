import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { SyncValueService } from "../../../src/gen/syncvalue/v1/syncvalue_pb.js";
import type { ContenderFactory } from "./unary-contender.js";

/**
 * Connect with JSON over HTTP/1.1 through the global `fetch` (undici on Node):
 * the plain HTTP/JSON way the services were first called.
 */
export const connectJsonFetch: ContenderFactory = async (target) => {
  const transport = createConnectTransport({ baseUrl: target.httpUrl, useBinaryFormat: false });
  const client = createClient(SyncValueService, transport);
  const { request, deadlineMs } = target;
  const call = () => client.predictLTV(request, { timeoutMs: deadlineMs });
  await call();
  return {
    id: "connect-json",
    name: "Connect JSON, HTTP/1.1 fetch",
    call,
    // undici's global agent owns the sockets; idle ones do not keep the process alive.
    close: async () => {},
  };
};
