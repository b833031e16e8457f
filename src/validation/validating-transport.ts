import { create, isMessage, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { invalidArgument } from "./invalid-argument.js";
import { requestValidator } from "./request-validators.js";

/**
 * Wraps a transport so every request is checked before it reaches it: a bad
 * argument rejects with `ConnectError` `InvalidArgument` naming the field, and
 * no byte is sent (nor a cache or batch consulted). Stream messages are checked
 * one by one as they are pulled, so an invalid one ends the stream before it is
 * written.
 */
export function createValidatingTransport(next: Transport): Transport {
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      const validate = requestValidator(method);
      if (validate) {
        try {
          const message = toMessage(method.input, input);
          validate(message);
          input = message;
        } catch (e) {
          return Promise.reject(e);
        }
      }
      return next.unary(method, signal, timeoutMs, header, input, contextValues);
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      const validate = requestValidator(method);
      if (validate) input = validateEach(method.input, input, validate);
      return next.stream(method, signal, timeoutMs, header, input, contextValues);
    },
  };
}

function toMessage<I extends DescMessage>(schema: I, input: MessageInitShape<I>) {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw invalidArgument("request", `must be an object of ${schema.name} fields`);
  }
  if (isMessage(input, schema)) return input;
  try {
    return create(schema, input);
  } catch (e) {
    // create() trips over type-confused nested values; say which message.
    throw invalidArgument("request", `is not a valid ${schema.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function* validateEach<I extends DescMessage>(
  schema: I,
  input: AsyncIterable<MessageInitShape<I>>,
  validate: (m: unknown) => void,
): AsyncIterable<MessageInitShape<I>> {
  for await (const item of input) {
    const message = toMessage(schema, item);
    validate(message);
    yield message;
  }
}
