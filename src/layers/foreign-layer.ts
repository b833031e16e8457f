import type { Transport } from "@connectrpc/connect";
import { forgetVerifiedRequest } from "../validation/prediction-request-memo.js";
import type { Layer } from "./layer.js";

/**
 * A layer whose code is not the client's own (one of the `layers` option, a
 * telemetry integration's), wrapped so that entering it forgets what the
 * validation layer noted as verified for the layers below
 * (`forgetVerifiedRequest`): its code could change the request, and the
 * cache layer below must then compare the request's values itself.
 */
export function foreignLayer(layer: Layer): Layer {
  return (next) => {
    const transport: Transport = layer(next);
    return {
      unary(method, signal, timeoutMs, header, input, contextValues) {
        forgetVerifiedRequest();
        return transport.unary(method, signal, timeoutMs, header, input, contextValues);
      },
      stream(method, signal, timeoutMs, header, input, contextValues) {
        forgetVerifiedRequest();
        return transport.stream(method, signal, timeoutMs, header, input, contextValues);
      },
    };
  };
}
