import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Reads a whole response body, refusing more than `maxBytes` with
 * `ResourceExhausted` (the body is cancelled, so a hostile or broken server
 * cannot make the client buffer without bound). `Content-Length` is not
 * trusted for this: with a `Content-Encoding`, fetch inflates the body and
 * the decoded size is what counts. Read errors propagate as thrown by fetch;
 * the caller tells an abort from a lost connection.
 */
export async function readBodyBytes(response: Response, maxBytes: number): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      throw new ConnectError(`response body is larger than ${maxBytes} bytes (maxResponseBytes)`, Code.ResourceExhausted);
    }
    chunks.push(value);
  }
  // Nearly every unary answer arrives in one chunk: hand it over without a copy.
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Drops a body the call does not need, so the connection can be reused. */
export function discardBody(response: Response): void {
  response.body?.cancel().catch(() => {});
}
