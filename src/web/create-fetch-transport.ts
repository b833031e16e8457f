/**
 * Replaces: connect-web's `createConnectTransport` / `createGrpcWebTransport` (`@connectrpc/connect-web` 2.1.2,
 * a dev dependency only, for the tests that compare the two) for unary calls over fetch.
 * Measured reason: BENCHMARKS.md, "Fetch transport bundle against connect-web" (gzipped bytes of an edge function
 * on each), and the "Edge bundle" section's limits.
 * Depends on: `@connectrpc/connect` 2.1.2 exactly (the `Transport` interface, interceptors, context values,
 * `ConnectError`) and `@bufbuild/protobuf` 2.13.0 exactly (`toBinary` / `fromBinary`), both pinned in package.json.
 */
import { create, type DescMessage, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type ContextValues,
  type Interceptor,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { checkByteCount } from "../client/resolved-endpoint.js";
import { ResponseBudget } from "../client/response-budget.js";
import { invalidArgument } from "../validation/invalid-argument.js";
import { effectiveTimeout } from "../call/deadline.js";
import { linkedDeadline } from "../call/linked-deadline.js";
import { connectUnaryProtocol } from "../protocol-connect/unary-protocol.js";
import { refuseStreamOverFetch } from "./fetch-stream-refusal.js";
import { fetchTransportDefaults, type FetchTransportOptions } from "./fetch-transport-options.js";
import { fetchUnaryCall, type FetchUnaryConfig } from "./fetch-unary-call.js";
import { grpcWebUnaryProtocol } from "../protocol-grpc-web/unary-protocol.js";

/** The longest delay setTimeout honours (2^31 - 1 ms). */
const maxTimerMs = 2_147_483_647;

/** What an interceptor wraps. */
type AnyFn = Parameters<Interceptor>[0];

/**
 * A lean Connect `Transport` over `fetch` for unary calls with binary
 * protobuf, over the Connect protocol or gRPC-web: what an edge function
 * needs, without connect-web's JSON and streaming code.
 *
 * - `timeoutMs` sets the deadline (sent as `connect-timeout-ms` /
 *   `grpc-timeout`); when it passes the call fails with `DeadlineExceeded`.
 *   `timeoutMs <= 0`, undefined, or above 2^31 - 1 ms: no deadline.
 * - The call's `signal` cancels it: `Canceled`.
 * - Unreachable server, connection lost: `Unavailable`.
 * - Redirects are never followed (`redirect: "manual"`): `Unknown`.
 * - A response body over `maxResponseBytes` (4 MiB by default), or one that
 *   would take the bodies held for the calls in flight over
 *   `maxResponseBytesInFlight` (64 MiB), fails the call with
 *   `ResourceExhausted` as soon as the cap is crossed.
 * - Streaming RPCs are refused with `Unimplemented` (fetch cannot stream a
 *   request body); pass connect-web's transport to Connect's `createClient`
 *   for server streaming or JSON.
 *
 * Bad options throw `ConnectError` `InvalidArgument` naming the option.
 *
 * @example
 * ```ts
 * import { createClient } from "@connectrpc/connect";
 * import { createFetchTransport, SyncValueService } from "syncvalue";
 * const transport = createFetchTransport({ baseUrl: "https://ltv.example.com" });
 * const client = createClient(SyncValueService, transport);
 * ```
 *
 * @public
 */
export function createFetchTransport(options: FetchTransportOptions): Transport {
  return createFetchTransportSharing(checkOptions(options), undefined);
}

/**
 * {@link createFetchTransport} on options already checked (a client's
 * endpoint: resolveEndpoint and createClientBase check what it passes, so the
 * option checks below do not ship in a client's bundle), whose calls count
 * their response bytes in `budget` (a client's, shared by its transports)
 * instead of a budget of their own from `maxResponseBytesInFlight`.
 */
export function createFetchTransportSharing(options: FetchTransportOptions, budget: ResponseBudget | undefined): Transport {
  const o = options;
  const interceptors = o.interceptors ?? [];
  const config: FetchUnaryConfig = {
    protocol: (o.protocol ?? fetchTransportDefaults.protocol) === "grpc-web" ? grpcWebUnaryProtocol : connectUnaryProtocol,
    fetch: o.fetch,
    maxResponseBytes: o.maxResponseBytes ?? fetchTransportDefaults.maxResponseBytes,
    responseBudget: budget ?? new ResponseBudget(o.maxResponseBytesInFlight ?? fetchTransportDefaults.maxResponseBytesInFlight),
  };
  const baseUrl = o.baseUrl.replace(/\/+$/, "");
  const authorization = o.authToken === undefined ? undefined : `Bearer ${o.authToken}`;

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      // Connect's rule: undefined or <= 0 means no deadline. Beyond what a timer can hold
      // (~24.8 days) setTimeout would fire at once, so such a deadline is no deadline either.
      const timeout = effectiveTimeout(timeoutMs, undefined);
      const deadline = timeout !== undefined && timeout <= maxTimerMs ? timeout : undefined;
      let headers: Headers;
      try {
        headers = new Headers(header);
      } catch {
        throw invalidArgument("headers", "must be valid HTTP header names and values");
      }
      config.protocol.setRequestHeaders(headers, deadline);
      if (authorization !== undefined) headers.set("authorization", authorization);
      const url = `${baseUrl}/${method.parent.typeName}/${method.name}`;
      const call = linkedDeadline(signal, deadline);
      if (interceptors.length > 0) {
        // What Connect's runUnaryCall does (first interceptor outermost; once
        // the call settles its signal is aborted, with the error on failure),
        // on the same call signal as below rather than its own helpers.
        const next = interceptors.reduceRight<AnyFn>((n, i) => i(n), (req) => fetchUnaryCall(req as UnaryRequest<I, O>, config));
        let response;
        try {
          response = await next({
            stream: false,
            service: method.parent,
            method,
            requestMethod: "POST",
            url,
            header: headers,
            contextValues: contextValues ?? createContextValues(),
            message: create(method.input, input),
            signal: call.signal,
          });
        } catch (e) {
          // fetch may throw an AbortError of its own: an aborted call fails with the signal's reason.
          const error = call.signal.aborted ? ConnectError.from(call.signal.reason, Code.Canceled) : ConnectError.from(e);
          call.end(error);
          throw error;
        }
        call.end();
        return response as UnaryResponse<I, O>;
      }
      // No interceptors: the call's own signal and deadline, nothing else in between.
      try {
        return await fetchUnaryCall({ method, url, header: headers, message: create(method.input, input), signal: call.signal }, config);
      } catch (e) {
        throw ConnectError.from(e);
      } finally {
        call.done();
      }
    },
    async stream(method, _signal, _timeoutMs, _header, input) {
      return refuseStreamOverFetch(method, input);
    },
  };
}

/** Checks the options before anything is built; errors name the option. */
function checkOptions(options: FetchTransportOptions): FetchTransportOptions {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "must be an object");
  const { baseUrl, protocol, interceptors, authToken, maxResponseBytes, maxResponseBytesInFlight, fetch } = options;
  if (typeof baseUrl !== "string" || !/^https?:\/\/[^/]/i.test(baseUrl)) {
    throw invalidArgument("baseUrl", "must be an http:// or https:// URL such as https://ltv.example.com");
  }
  try {
    new URL(baseUrl);
  } catch {
    throw invalidArgument("baseUrl", "is not a valid URL");
  }
  if (protocol !== undefined && protocol !== "connect" && protocol !== "grpc-web") {
    throw invalidArgument("protocol", `must be "connect" or "grpc-web"`);
  }
  if (interceptors !== undefined && (!Array.isArray(interceptors) || interceptors.some((i) => typeof i !== "function"))) {
    throw invalidArgument("interceptors", "must be an array of interceptor functions");
  }
  // Never echo the token; a header value cannot carry control characters.
  if (authToken !== undefined && (typeof authToken !== "string" || authToken === "" || /[\0-\x1f\x7f]/.test(authToken))) {
    throw invalidArgument("authToken", "must be a non-empty string without control characters");
  }
  checkByteCount(maxResponseBytes, "maxResponseBytes");
  checkByteCount(maxResponseBytesInFlight, "maxResponseBytesInFlight");
  if (fetch !== undefined && typeof fetch !== "function") throw invalidArgument("fetch", "must be a function");
  return options;
}
