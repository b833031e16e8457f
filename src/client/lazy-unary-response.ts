import type { DescMessage, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import type { UnaryResponse } from "@connectrpc/connect";

/**
 * A Connect `UnaryResponse` whose WHATWG `Headers` are built only if read:
 * building them costs more than the rest of a fast call, and most callers
 * never look (the promise client only reads them for `onHeader`/`onTrailer`).
 */
export function lazyUnaryResponse<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  message: MessageShape<O>,
  buildHeader: () => Headers,
  buildTrailer: () => Headers,
): UnaryResponse<I, O> {
  let header: Headers | undefined;
  let trailer: Headers | undefined;
  return {
    stream: false,
    service: method.parent,
    method,
    message,
    get header() {
      return (header ??= buildHeader());
    },
    get trailer() {
      return (trailer ??= buildTrailer());
    },
  };
}
