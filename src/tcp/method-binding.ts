import type { DescMessage, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { AnswerCheck, AnswerHistory } from "./answer-echo.js";
import { answerBounds, checkMsgpackBounds } from "./msgpack-bounds.js";
import { decodeMsgpack } from "./msgpack-codec.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import { readPositionalAnswer } from "./positional-answer-reader.js";
import { TcpProtocolError, describeWireValue } from "./protocol-error.js";
import { connectErrorFromWire, errorVariant, readTagged } from "./tagged-value.js";
import { readMessage, writeMessage, type StructLayout } from "./wire-message.js";

/**
 * How one unary RPC maps onto the raw TCP binding, in both directions: the
 * client encodes requests and decodes responses, the reference server decodes
 * requests and encodes responses, with the same code.
 */
export interface TcpMethodBinding<I extends DescMessage = DescMessage, O extends DescMessage = DescMessage> {
  readonly method: DescMethodUnary<I, O>;
  /** Request variant name, e.g. `"LearnConcept"`, `"GetStats"`. */
  readonly requestVariant: string;
  /** Response variant name, e.g. `"LearnConceptOk"`, `"StatsOk"`. */
  readonly responseVariant: string;
  /** Client: the request frame (length prefix included), its fields positional unless `layout` is `"named"`. */
  encodeRequest(message: MessageShape<I>, layout?: StructLayout): Uint8Array;
  /**
   * Client: the decoded response value to a message. Throws a `ConnectError`
   * for an `Error` answer, a {@link TcpProtocolError} for anything unexpected.
   */
  decodeResponse(value: unknown): MessageShape<O>;
  /**
   * Client: checks a decoded answer against the request it is matched with
   * (see `answer-echo.ts`); throws a {@link TcpProtocolError} on a mismatch.
   */
  checkAnswer(request: MessageShape<I>, response: MessageShape<O>, history: AnswerHistory): void;
  /** Server: the request's variant body (after the tag) to a message. */
  decodeRequest(body: unknown, bare: boolean): MessageShape<I>;
  /** Server: the response frame, structs positional as rmp-serde writes them. */
  encodeResponse(message: MessageShape<O>): Uint8Array;
}

/** Per-method deviations from the generic mapping. */
export interface MethodBindingOptions<I extends DescMessage, O extends DescMessage> {
  requestVariant: string;
  responseVariant: string;
  /**
   * The response is the bare string `responseVariant` (like `"FlushOk"`); the
   * message decoded from it is `bareResponse`, and the server answers it
   * whenever `isBareResponse(message)` holds (otherwise with an error).
   */
  bareResponse?: { message: () => MessageShape<O>; accepts: (message: MessageShape<O>) => string | undefined };
  /** Rewrites a response body before the generic reader sees it (e.g. `StatsOk` with 8 fields). */
  normalizeResponseBody?: (body: unknown) => unknown;
  /** What the answer must echo of its request; default nothing. */
  checkAnswer?: AnswerCheck<I, O>;
}

/**
 * Creates the binding of a unary method from its descriptors. Requests without
 * fields are bare strings; others positional arrays (or named maps, the
 * contract's form; serde servers read both). Responses are positional.
 */
export function createMethodBinding<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  // I and O come from the method, not from `checkAnswer`.
  options: MethodBindingOptions<NoInfer<I>, NoInfer<O>>,
): TcpMethodBinding<I, O> {
  const { requestVariant, responseVariant, bareResponse, normalizeResponseBody, checkAnswer } = options;
  const input = method.input;
  const output = method.output;
  const bareRequest = input.fields.length === 0;
  // A field-less request is always the same bytes.
  const bareRequestFrame = bareRequest ? encodeBareFrame(requestVariant) : undefined;
  const bareResponseFrame = bareResponse ? encodeBareFrame(responseVariant) : undefined;
  // Response writers start at the largest frame seen so far (capped), so a frame is
  // usually written into one allocation instead of growing 256 -> 512 -> 1024.
  const responseSize = new FrameSizeHint();

  const binding: TcpMethodBinding<I, O> = {
    method,
    requestVariant,
    responseVariant,
    encodeRequest(message, layout = "positional") {
      if (bareRequestFrame) return bareRequestFrame.slice(); // a copy: sockets may hold on to written buffers
      if (requestWriterBusy) return encodeRequestFrame(new MsgpackWriter(true, 256), requestVariant, input, message, layout);
      requestWriterBusy = true;
      try {
        return encodeRequestFrame(requestWriter, requestVariant, input, message, layout);
      } finally {
        requestWriterBusy = false;
        // A huge request (a batch) is not kept for the life of the process.
        if (requestWriter.capacity > maxPooledWriterBytes) requestWriter = new MsgpackWriter(true, initialPooledWriterBytes);
      }
    },
    decodeResponse(value) {
      const tagged = readTagged(value);
      if (tagged.variant === errorVariant && !tagged.bare) throw connectErrorFromWire(tagged.body);
      if (tagged.variant !== responseVariant) {
        throw new TcpProtocolError(`${requestVariant} was answered with ${tagged.variant}, expected ${responseVariant}`);
      }
      if (bareResponse) {
        if (!tagged.bare && tagged.body !== null && !(Array.isArray(tagged.body) && tagged.body.length === 0)) {
          throw new TcpProtocolError(`${responseVariant}: expected a bare variant, got ${describeWireValue(tagged.body)}`);
        }
        return bareResponse.message();
      }
      if (tagged.bare) throw new TcpProtocolError(`${responseVariant}: expected fields, got a bare variant`);
      const body = normalizeResponseBody ? normalizeResponseBody(tagged.body) : tagged.body;
      return readMessage(output, body, responseVariant);
    },
    checkAnswer(request, response, history) {
      const problem = checkAnswer?.(request, response, history);
      if (problem !== undefined) throw new TcpProtocolError(`${responseVariant}: ${problem}`);
    },
    decodeRequest(body, bare) {
      if (bareRequest) {
        // serde accepts "Variant" and {"Variant": nil} for a unit variant, and rejects {"Variant": {}}.
        if (bare || body === null || body === undefined) return create(input);
        throw new ConnectError(
          `invalid type: ${describeWireValue(body)}, expected unit variant ${requestVariant}`,
          Code.InvalidArgument,
        );
      }
      if (bare) throw new ConnectError(`invalid type: unit variant, expected struct variant ${requestVariant}`, Code.InvalidArgument);
      return readMessage(input, body, requestVariant);
    },
    encodeResponse(message) {
      if (bareResponseFrame && bareResponse) {
        const problem = bareResponse.accepts(message);
        if (problem !== undefined) throw new ConnectError(problem, Code.Internal);
        return bareResponseFrame.slice();
      }
      const w = new MsgpackWriter(true, responseSize.bytes);
      w.mapHeader(1);
      w.str(responseVariant);
      writeMessage(w, output, message, "positional");
      return responseSize.observe(w.finishFrame());
    },
  };
  if (!bareResponse && !normalizeResponseBody) {
    const key = new MsgpackWriter(false, 8 + responseVariant.length * 3);
    key.str(responseVariant);
    positionalAnswerKeys.set(binding as unknown as TcpMethodBinding, key.finish().slice());
  }
  return binding;
}

/**
 * Requests are encoded into one pooled writer, then copied out at their exact
 * size: one allocation per request instead of a writer, its buffer (grown by
 * doubling) and a DataView. Encoding is synchronous, so one writer serves
 * every transport; `requestWriterBusy` covers re-entry all the same.
 */
const initialPooledWriterBytes = 4096;
const maxPooledWriterBytes = 64 * 1024;
let requestWriter = new MsgpackWriter(true, initialPooledWriterBytes);
let requestWriterBusy = false;

function encodeRequestFrame(
  w: MsgpackWriter,
  variant: string,
  input: DescMessage,
  message: MessageShape<DescMessage>,
  layout: StructLayout,
): Uint8Array {
  w.reset();
  w.mapHeader(1);
  w.str(variant);
  writeMessage(w, input, message, layout);
  return w.copyFrame();
}

/**
 * The answer key (`"<Variant>Ok"` as MessagePack) of the bindings whose
 * answers {@link readPositionalAnswer} may read: not those with a bare answer
 * or a rewritten body, whose rules live in `decodeResponse`.
 */
const positionalAnswerKeys = new WeakMap<TcpMethodBinding, Uint8Array>();

/**
 * Client: an answer frame's payload to the response message. Its bounds are
 * checked first; the usual positional answer is read straight from the
 * bytes, any other shape (an `Error` answer included) through msgpackr and
 * `decodeResponse`. Throws as `decodeResponse` does.
 */
export function decodeAnswerPayload<O extends DescMessage>(binding: TcpMethodBinding<DescMessage, O>, payload: Uint8Array): MessageShape<O> {
  checkMsgpackBounds(payload, answerBounds);
  const key = positionalAnswerKeys.get(binding as unknown as TcpMethodBinding);
  if (key !== undefined) {
    const message = readPositionalAnswer(payload, key, binding.method.output);
    if (message !== undefined) return message;
  }
  return binding.decodeResponse(decodeMsgpack(payload));
}

function encodeBareFrame(variant: string): Uint8Array {
  const w = new MsgpackWriter(true, 16 + variant.length);
  w.str(variant);
  return w.finishFrame();
}

/** The initial writer size for a method's frames: the largest seen, between 256 bytes and 16 KiB. */
class FrameSizeHint {
  bytes = 256;
  observe(frame: Uint8Array): Uint8Array {
    if (frame.byteLength > this.bytes && this.bytes < 16_384) this.bytes = Math.min(16_384, frame.byteLength + 64);
    return frame;
  }
}
