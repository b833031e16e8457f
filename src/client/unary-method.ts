import type { DescMethodUnary, DescService } from "@bufbuild/protobuf";
import type { CallOptions, Client, Transport, UnaryResponse } from "@connectrpc/connect";
import { answerAtHand } from "../call/ready-answer.js";
import type { RuntimePlatform } from "./runtime-platform.js";

/**
 * A service client's unary method with the contract of Connect's own
 * (`createUnaryFn`: `transport.unary` with the call options, `onHeader` and
 * `onTrailer` called with the response's, its message returned), without its
 * async function: an answer the layers had at hand (a cache hit, see
 * `readyAnswer`) is returned in one resolved promise, any other in one `.then`.
 */
export function unaryMethod(transport: Transport, method: DescMethodUnary) {
  return (input: unknown, o?: CallOptions): Promise<unknown> => {
    let answer: Promise<UnaryResponse>;
    try {
      answer = transport.unary(method, o?.signal, o?.timeoutMs, o?.headers, input as never, o?.contextValues);
    } catch (e) {
      // As from Connect's async function: a rejection, never a throw.
      return Promise.reject(e);
    }
    if (o === undefined || (o.onHeader === undefined && o.onTrailer === undefined)) {
      const ready = answerAtHand(answer);
      return ready !== undefined ? Promise.resolve(ready.message) : answer.then(messageOf);
    }
    return answer.then((response) => {
      o.onHeader?.(response.header);
      o.onTrailer?.(response.trailer);
      return response.message;
    });
  };
}

function messageOf(response: UnaryResponse): unknown {
  return response.message;
}

/**
 * The runtime's service client (`platform.createServiceClient`: Connect's, or
 * the fetch one) over `transport`, its unary methods {@link unaryMethod}'s;
 * streaming methods stay the runtime's.
 */
export function createServiceClientOn<T extends DescService>(platform: RuntimePlatform, service: T, transport: Transport): Client<T> {
  const client = platform.createServiceClient(service, transport) as Record<string, unknown>;
  for (const method of service.methods) {
    if (method.methodKind === "unary") client[method.localName] = unaryMethod(transport, method as DescMethodUnary);
  }
  return client as Client<T>;
}
