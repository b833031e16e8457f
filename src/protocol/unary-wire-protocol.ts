/**
 * What one unary call looks like on the wire, once the message is
 * serialized: the part that differs between Connect and gRPC-web. The fetch
 * call itself (signals, deadline, network errors, size cap) is shared.
 */
export interface UnaryWireProtocol {
  /** Sets the protocol's request headers over the caller's: content type, deadline. */
  setRequestHeaders(header: Headers, timeoutMs: number | undefined): void;
  /** The request body for one serialized request message. */
  encodeRequest(message: Uint8Array): Uint8Array;
  /**
   * The response message's bytes with the response header and trailer, or
   * throws the call's `ConnectError`. `readBody` reads the whole body within
   * the size cap; a protocol that does not need the body must not call it
   * (it is then discarded).
   */
  decodeResponse(response: Response, readBody: () => Promise<Uint8Array>): Promise<WireResponse>;
}

/** A decoded unary response before its message is parsed. */
export interface WireResponse {
  readonly message: Uint8Array;
  readonly header: Headers;
  readonly trailer: Headers;
}
