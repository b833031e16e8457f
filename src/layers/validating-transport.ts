import type { DescMessage, DescMethod, MessageInitShape } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { invalidArgument } from "../validation/invalid-argument.js";
import { forgetVerifiedRequest } from "../validation/prediction-request-memo.js";
import { toRequestMessage } from "../validation/request-message.js";
import type { RequestValidator } from "../validation/request-validator.js";

/**
 * Wraps a transport so every request is checked before it reaches it: a bad
 * argument rejects with `ConnectError` `InvalidArgument` naming the field, and
 * no byte is sent (nor a cache or batch consulted). Stream messages are checked
 * one by one as they are pulled, so an invalid one ends the stream before it is
 * written (the first one before the stream is even opened).
 *
 * `validators` are the checks of the service behind `next` (the prediction or
 * the storage ones): passed in, so a client loads only its services' checks.
 * A method without one passes unchecked.
 */
export function createValidatingTransport(next: Transport, validators: ReadonlyMap<DescMethod, RequestValidator>): Transport {
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      const validate = validators.get(method);
      if (validate) {
        try {
          const message = toMessage(method.input, input);
          validate(message, message === input);
          input = message;
        } catch (e) {
          forgetVerifiedRequest();
          return Promise.reject(e);
        }
        try {
          return next.unary(method, signal, timeoutMs, header, input, contextValues);
        } finally {
          // What the validator noted for the layers below holds only while the call descends through them.
          forgetVerifiedRequest();
        }
      }
      return next.unary(method, signal, timeoutMs, header, input, contextValues);
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const validate = validators.get(method);
      if (validate) {
        // The first message is checked before the stream opens, so a bad one
        // sends nothing at all; later ones are checked as they are pulled.
        const it = input[Symbol.asyncIterator]();
        const first = await it.next();
        const firstMessage = first.done ? undefined : toMessage(method.input, first.value);
        if (firstMessage !== undefined) validate(firstMessage, false);
        input = validateEach(method.input, firstMessage, it, validate);
      }
      return next.stream(method, signal, timeoutMs, header, input, contextValues);
    },
  };
}

function toMessage<I extends DescMessage>(schema: I, input: MessageInitShape<I>) {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw invalidArgument("request", `must be an object of ${schema.name} fields`);
  }
  try {
    return toRequestMessage(schema, input);
  } catch (e) {
    // create() trips over type-confused nested values; say which message.
    throw invalidArgument("request", `is not a valid ${schema.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function* validateEach<I extends DescMessage>(
  schema: I,
  first: MessageInitShape<I> | undefined,
  rest: AsyncIterator<MessageInitShape<I>>,
  validate: RequestValidator,
): AsyncIterable<MessageInitShape<I>> {
  if (first === undefined) return;
  yield first;
  for (let r = await rest.next(); !r.done; r = await rest.next()) {
    const message = toMessage(schema, r.value);
    validate(message, false);
    yield message;
  }
}
