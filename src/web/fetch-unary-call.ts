import { fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
// protobuf-es here, not the compiled codec of src/protobuf-codec/: @connectrpc/connect's ConnectError
// imports fromBinary, so its reflection ships in every bundle anyway, and the codec would add bytes.
import { Code, ConnectError, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { ResponseBytes, type ResponseBudget } from "../client/response-budget.js";
import { discardBody, readBodyBytes } from "../protocol/read-body-bytes.js";
import type { UnaryWireProtocol } from "../protocol/unary-wire-protocol.js";

/** What a fetch unary call needs besides the request. */
export interface FetchUnaryConfig {
  readonly protocol: UnaryWireProtocol;
  /** undefined: the global `fetch`, looked up at each call. */
  readonly fetch: typeof fetch | undefined;
  readonly maxResponseBytes: number;
  /** Response bytes held by the calls in flight, with their cap. */
  readonly responseBudget: ResponseBudget;
}

/** The parts of Connect's `UnaryRequest` the call reads (interceptors may have changed them). */
export type FetchUnaryRequest<I extends DescMessage, O extends DescMessage> = Pick<
  UnaryRequest<I, O>,
  "method" | "url" | "header" | "message" | "signal"
>;

/**
 * One unary call over fetch: serialize, POST with `redirect: "manual"` (an
 * RPC never follows a redirect, and workerd rejects fetch's `"error"` mode),
 * read the answer within the size cap, parse. Rejects only with
 * `ConnectError`:
 * - the request's signal aborted: its reason (`Canceled`, `DeadlineExceeded`);
 * - fetch failed to reach the server or lost the connection: `Unavailable`;
 * - a redirect: `Unknown`; a body over the call's cap, or over what the
 *   calls in flight may hold together: `ResourceExhausted`;
 * - otherwise whatever the protocol reads from the response.
 */
export async function fetchUnaryCall<I extends DescMessage, O extends DescMessage>(
  req: FetchUnaryRequest<I, O>,
  config: FetchUnaryConfig,
): Promise<UnaryResponse<I, O>> {
  const { method, signal } = req;
  let bytes: Uint8Array;
  try {
    bytes = toBinary(method.input, req.message);
  } catch (e) {
    throw new ConnectError(`serialize binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
  }
  const init: RequestInit = { method: "POST", headers: req.header, body: config.protocol.encodeRequest(bytes) as BodyInit, signal, redirect: "manual" };
  const fetchFn = config.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetchFn(req.url, init);
  } catch (e) {
    throw callFailure(e, signal);
  }
  if (response.type === "opaqueredirect" || (response.status >= 300 && response.status <= 399)) {
    discardBody(response);
    throw new ConnectError(`HTTP ${response.status}: the server answered with a redirect, which RPCs never follow`, Code.Unknown, response.headers);
  }
  const readBody = async () => {
    let body: Uint8Array;
    try {
      body = await readBodyBytes(response, new ResponseBytes(config.maxResponseBytes, config.responseBudget));
    } catch (e) {
      throw callFailure(e, signal);
    }
    // Some fetch implementations end a body quietly when aborted before it is read (nodejs/undici#1940).
    if (signal.aborted) throw callFailure(undefined, signal);
    return body;
  };
  const wire = await config.protocol.decodeResponse(response, readBody);
  let message;
  try {
    message = fromBinary(method.output, wire.message);
  } catch (e) {
    throw new ConnectError(`parse binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal, wire.header);
  }
  return { stream: false, service: method.parent, method, header: wire.header, message, trailer: wire.trailer };
}

/**
 * Why fetch (or reading its body) failed. fetch rejects only on a network
 * error (a TypeError per the spec) or an abort; the abort's reason says
 * which error the call ends with. Everything else means the server could
 * not be reached or the connection broke: `Unavailable`, so retries and
 * fallbacks treat it as the outage it is.
 */
function callFailure(e: unknown, signal: AbortSignal): ConnectError {
  if (signal.aborted) return ConnectError.from(signal.reason ?? e, Code.Canceled);
  if (e instanceof ConnectError) return e;
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
  const what = e instanceof Error ? e.message : String(e);
  return new ConnectError(`${what}${cause}`, Code.Unavailable, undefined, undefined, e);
}
