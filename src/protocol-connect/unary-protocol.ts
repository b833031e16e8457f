import { Code, ConnectError } from "@connectrpc/connect";
import { errorFromConnectBody } from "./status-error.js";
import { codeFromHttpStatus } from "../protocol/http-status-code.js";
import { discardBody } from "../protocol/read-body-bytes.js";
import type { UnaryWireProtocol } from "../protocol/unary-wire-protocol.js";

// The Connect spec caps connect-timeout-ms at 10 digits.
const maxTimeoutMs = 9_999_999_999;

/**
 * Connect unary calls with binary protobuf
 * (https://connectrpc.com/docs/protocol#unary-request): the bare message as
 * the body, `application/proto`, and a JSON error body on any status but 200.
 * Trailers travel as `trailer-`-prefixed headers.
 */
export const connectUnaryProtocol: UnaryWireProtocol = {
  setRequestHeaders(header, timeoutMs) {
    header.set("content-type", "application/proto");
    header.set("connect-protocol-version", "1");
    if (timeoutMs !== undefined) header.set("connect-timeout-ms", String(Math.min(Math.ceil(timeoutMs), maxTimeoutMs)));
  },
  encodeRequest: (message) => message,
  async decodeResponse(response, readBody) {
    const header = new Headers();
    const trailer = new Headers();
    response.headers.forEach((value, key) => {
      if (key.startsWith("trailer-")) trailer.append(key.slice(8), value);
      else header.append(key, value);
    });
    const type = (response.headers.get("content-type") ?? "").toLowerCase();
    if (response.status !== 200) {
      const metadata = new Headers(header);
      trailer.forEach((value, key) => metadata.append(key, value));
      const fallback = new ConnectError(`HTTP ${response.status}`, codeFromHttpStatus(response.status), metadata);
      // Only a JSON body is a Connect error; a proxy's HTML page is not.
      if (!/^application\/json(;|$)/.test(type)) {
        discardBody(response);
        throw fallback;
      }
      throw errorFromConnectBody(await readBody(), fallback);
    }
    if (!/^application\/proto(;|$)/.test(type)) {
      discardBody(response);
      // A Connect type in the wrong format is the server's bug (Internal); anything else is not Connect at all.
      const connectType = /^application\/(connect\+)?(json|proto)(;|$)/.test(type);
      throw new ConnectError(`unsupported content type ${type || "(none)"}`, connectType ? Code.Internal : Code.Unknown, response.headers);
    }
    return { message: await readBody(), header, trailer };
  },
};
