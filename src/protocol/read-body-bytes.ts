import type { ResponseBytes } from "../client/response-budget.js";

/**
 * Reads a whole response body, counting each chunk with `counter` (the call's
 * cap and the client's budget): past either, the body is cancelled and the
 * read fails with `ResourceExhausted`, so a hostile or broken server cannot
 * make the client buffer without bound. `Content-Length` is not trusted for
 * this: with a `Content-Encoding`, fetch inflates the body and the decoded
 * size is what counts. The budget's share is released once the body is read
 * (the caller parses it at once). Read errors propagate as thrown by fetch;
 * the caller tells an abort from a lost connection.
 */
export async function readBodyBytes(response: Response, counter: ResponseBytes): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      const tooMuch = counter.add(value.byteLength);
      if (tooMuch) {
        reader.cancel().catch(() => {});
        throw tooMuch;
      }
      chunks.push(value);
    }
  } finally {
    counter.release();
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
