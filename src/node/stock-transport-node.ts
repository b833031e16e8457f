import type { Interceptor, Transport } from "@connectrpc/connect";
import { validateReadWriteMaxBytes, type UniversalClientFn } from "@connectrpc/connect/protocol";
import type { ServiceProtocol } from "../client/client-options.js";
import type { ResponseLimits } from "../client/response-budget.js";
import {
  compressionBrotli,
  compressionGzip,
  createConnectProtocolTransport,
  createGrpcProtocolTransport,
  createGrpcWebProtocolTransport,
} from "../protocol/connect-http-stack-node.js";
import { guardHttpClient } from "./guarded-http-client-node.js";

/** What a stock transport needs. */
export interface StockTransportOptions {
  readonly protocol: ServiceProtocol;
  readonly baseUrl: string;
  readonly interceptors: Interceptor[];
  /** connect-node's HTTP client (`createNodeHttpClient`) for HTTP/1.1 or one HTTP/2 session. */
  readonly httpClient: UniversalClientFn;
  readonly limits: ResponseLimits;
}

/**
 * Connect, gRPC or gRPC-web as connect-node's `create*Transport` builds them
 * (binary protobuf, gzip and brotli accepted), over a guarded HTTP client
 * (see `guardHttpClient`): unary answers are counted against the call's cap
 * and the client's budget while they stream in; every message, of a stream
 * too, is capped at `maxResponseBytes` (Connect's `readMaxBytes`); HTTP/2
 * resets map by the gRPC spec's table. connect-node's builders always make
 * their own HTTP client, hence the protocol packages here.
 */
export function createStockTransport(o: StockTransportOptions): Transport {
  const create =
    o.protocol === "grpc"
      ? createGrpcProtocolTransport
      : o.protocol === "connect"
        ? createConnectProtocolTransport
        : createGrpcWebProtocolTransport;
  const common = {
    baseUrl: o.baseUrl,
    useBinaryFormat: true,
    interceptors: o.interceptors,
    acceptCompression: [compressionGzip, compressionBrotli],
    sendCompression: null,
    ...validateReadWriteMaxBytes(o.limits.maxResponseBytes, undefined, undefined),
  };
  const unary = create({ ...common, httpClient: guardHttpClient(o.httpClient, o.limits) });
  // A stream lives long: its messages are capped one by one (readMaxBytes), not its total.
  const stream = create({ ...common, httpClient: guardHttpClient(o.httpClient, undefined) });
  return { unary: unary.unary, stream: stream.stream };
}
