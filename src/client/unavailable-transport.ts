import { Code, ConnectError, type Transport } from "@connectrpc/connect";

/**
 * A transport that fails every call with one error and sends nothing: it
 * stands in for an endpoint the client was not given, or for a closed client.
 */
export function createFailingTransport(message: string, code: Code): Transport {
  const fail = () => Promise.reject(new ConnectError(message, code));
  return { unary: fail, stream: fail };
}

/** The transport behind a service whose endpoint `createClient` was not given. */
export function createMissingEndpointTransport(service: "prediction" | "storage"): Transport {
  return createFailingTransport(
    `no ${service} endpoint configured: pass createClient({ ${service}: "http://host:port" })`,
    Code.FailedPrecondition,
  );
}
