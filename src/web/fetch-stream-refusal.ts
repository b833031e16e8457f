import { Code, ConnectError } from "@connectrpc/connect";
import type { DescMethodStreaming } from "@bufbuild/protobuf";

/**
 * What `stream()` does over fetch: refuse. fetch cannot send a streaming
 * request body, so bidi (`PredictLTVStream`) cannot work; connect-web failed
 * the same call with `Unknown` once it tried to read the request. This
 * fails with `Unimplemented` before any byte is sent, and ends the caller's
 * request iterable (as connect-web's abort did), so a writer waiting on it
 * is released instead of hanging.
 */
export function refuseStreamOverFetch(method: DescMethodStreaming, input: AsyncIterable<unknown>): Promise<never> {
  try {
    input[Symbol.asyncIterator]().return?.()?.catch(() => {});
  } catch {
    // A broken iterable is the caller's; the refusal below still stands.
  }
  const rpc = `${method.parent.typeName}/${method.name}`;
  const reason =
    method.methodKind === "bidi_streaming"
      ? "bidi streaming needs Node (HTTP/2) or a tcp:// endpoint (where it runs as pipelined unary calls); fetch cannot stream a request body"
      : `${method.methodKind.replace("_", " ")} is not supported by the fetch transport; use @connectrpc/connect-web for it`;
  return Promise.reject(new ConnectError(`${rpc}: ${reason}`, Code.Unimplemented));
}
