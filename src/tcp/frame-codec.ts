import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Length-prefixed framing of the raw TCP binding: a 4-byte unsigned big-endian
 * length, then that many bytes of MessagePack (docs/wire-protocol.md, Framing).
 */

/** Default cap on one frame's payload: 16 MiB, the grid server's limit. */
export const defaultMaxFrameBytes = 16 * 1024 * 1024;

/** Size of the length prefix. */
export const frameHeaderBytes = 4;

/**
 * Raised when a peer announces a frame larger than the cap. The stream cannot
 * be resynchronised after it (there is no request id), so the connection that
 * raised it must be closed.
 */
export class FrameTooLargeError extends ConnectError {
  /** Brand read by `isTcpProtocolError`: the connection must close. */
  readonly poisonsConnection = true;
  constructor(
    readonly announcedBytes: number,
    readonly maxFrameBytes: number,
  ) {
    super(
      `protocol error: peer announced a ${announcedBytes}-byte frame, above the ${maxFrameBytes}-byte cap`,
      Code.Internal,
    );
  }
}

/** Prefixes a payload with its 4-byte big-endian length. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(frameHeaderBytes + payload.byteLength);
  new DataView(frame.buffer).setUint32(0, payload.byteLength);
  frame.set(payload, frameHeaderBytes);
  return frame;
}

/**
 * Incremental frame decoder over arbitrary chunks (a socket may split or
 * merge frames anywhere). It never allocates an announced length above the
 * cap: the length is checked as soon as the 4 header bytes are in.
 *
 * A frame that lies entirely inside one chunk is returned as a view of that
 * chunk without copying; callers must consume it before the chunk is reused
 * (the Node adapter reads every plain TCP socket into one reused buffer, so
 * a connection decodes each frame before `push`'s caller returns).
 */
export class FrameDecoder {
  private readonly header = new Uint8Array(frameHeaderBytes);
  private headerFill = 0;
  /** Payload being assembled across chunks; undefined while reading a header. */
  private body: Uint8Array | undefined;
  private bodyFill = 0;
  private failed: FrameTooLargeError | undefined;

  constructor(readonly maxFrameBytes: number = defaultMaxFrameBytes) {}

  /**
   * Feeds one chunk and returns every frame it completes, in order.
   * Throws {@link FrameTooLargeError} once a header announces more than the
   * cap; the decoder then stays failed.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    const frames: Uint8Array[] = [];
    let pos = 0;
    const end = chunk.byteLength;
    while (pos < end) {
      if (this.body === undefined) {
        // Fast path: a whole header (and maybe a whole frame) in this chunk.
        if (this.headerFill === 0 && end - pos >= frameHeaderBytes) {
          const len =
            ((chunk[pos]! << 24) >>> 0) + (chunk[pos + 1]! << 16) + (chunk[pos + 2]! << 8) + chunk[pos + 3]!;
          this.checkLength(len);
          pos += frameHeaderBytes;
          if (end - pos >= len) {
            frames.push(chunk.subarray(pos, pos + len));
            pos += len;
            continue;
          }
          this.body = new Uint8Array(len);
          this.bodyFill = 0;
          continue;
        }
        const take = Math.min(frameHeaderBytes - this.headerFill, end - pos);
        this.header.set(chunk.subarray(pos, pos + take), this.headerFill);
        this.headerFill += take;
        pos += take;
        if (this.headerFill < frameHeaderBytes) break;
        const h = this.header;
        const len = ((h[0]! << 24) >>> 0) + (h[1]! << 16) + (h[2]! << 8) + h[3]!;
        this.headerFill = 0;
        this.checkLength(len);
        if (len === 0) {
          frames.push(new Uint8Array(0));
          continue;
        }
        this.body = new Uint8Array(len);
        this.bodyFill = 0;
        continue;
      }
      const take = Math.min(this.body.byteLength - this.bodyFill, end - pos);
      this.body.set(chunk.subarray(pos, pos + take), this.bodyFill);
      this.bodyFill += take;
      pos += take;
      if (this.bodyFill === this.body.byteLength) {
        frames.push(this.body);
        this.body = undefined;
      }
    }
    return frames;
  }

  /** Bytes of a partial frame held so far (0 when between frames). */
  get pendingBytes(): number {
    return this.body ? frameHeaderBytes + this.bodyFill : this.headerFill;
  }

  private checkLength(len: number): void {
    if (len > this.maxFrameBytes) {
      this.failed = new FrameTooLargeError(len, this.maxFrameBytes);
      throw this.failed;
    }
  }
}
