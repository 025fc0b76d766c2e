import { crc32 } from "node:zlib";
import { EventStreamCodec, type Message } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/**
 * AWS event-stream framing (`application/vnd.amazon.eventstream`) from a byte stream, one
 * message at a time. The frame layout (big-endian):
 *
 *   total length (4) | headers length (4) | prelude CRC32 (4) | headers | payload | message CRC32 (4)
 *
 * Reads arrive split anywhere, so bytes are buffered until a whole frame is there; the frame
 * is then decoded by `@smithy/eventstream-codec` (the AWS SDK's codec: it checks both CRCs
 * and parses the typed headers). The prelude CRC is also checked here, as soon as its 12
 * bytes are in: a corrupted length must fail at once, not make the reader wait for (or
 * buffer) a frame size that was never sent.
 */

export type EventStreamMessage = Message;

/** A frame that cannot be decoded (bad CRC, impossible length, stream cut inside a frame). */
export class EventStreamFormatError extends Error {
  override readonly name = "EventStreamFormatError";
}

const PRELUDE_BYTES = 12;
const MIN_FRAME_BYTES = 16;
/** The event-stream spec's limits: 16 MiB per message, 128 KiB of headers. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
const MAX_HEADER_BYTES = 128 * 1024;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export async function* readEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventStreamMessage> {
  const buffer = new FrameBuffer();
  for await (const bytes of body) {
    buffer.push(bytes);
    for (let frame = buffer.nextFrame(); frame !== undefined; frame = buffer.nextFrame()) yield decodeFrame(frame);
  }
  if (buffer.size > 0) throw new EventStreamFormatError(`event stream ended inside a frame (${buffer.size} bytes left over)`);
}

/** Decodes one whole frame (exactly `total length` bytes). */
function decodeFrame(frame: Uint8Array): EventStreamMessage {
  try {
    return codec.decode(frame);
  } catch (err) {
    throw new EventStreamFormatError(`bad event-stream frame: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The bytes received and not yet decoded. Reads are kept as a list and joined only when a
 * frame is complete, so a large frame arriving in many small reads is copied once.
 */
class FrameBuffer {
  private parts: Uint8Array[] = [];
  size = 0;
  /** Total length of the frame at the head, once its prelude has been read and checked. */
  private frameLength = 0;

  push(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.parts.push(bytes);
    this.size += bytes.byteLength;
  }

  nextFrame(): Uint8Array | undefined {
    if (this.frameLength === 0) {
      if (this.size < PRELUDE_BYTES) return undefined;
      this.frameLength = checkPrelude(this.peek(PRELUDE_BYTES));
    }
    if (this.size < this.frameLength) return undefined;
    const frame = this.take(this.frameLength);
    this.frameLength = 0;
    return frame;
  }

  private peek(n: number): Uint8Array {
    const first = this.parts[0]!;
    if (first.byteLength >= n) return first.subarray(0, n);
    this.parts = [concat(this.parts, this.size)];
    return this.parts[0]!.subarray(0, n);
  }

  private take(n: number): Uint8Array {
    const joined = this.parts.length === 1 ? this.parts[0]! : concat(this.parts, this.size);
    this.parts = joined.byteLength > n ? [joined.subarray(n)] : [];
    this.size -= n;
    return joined.subarray(0, n);
  }
}

/** Checks a frame's 12-byte prelude and returns its total length. */
function checkPrelude(prelude: Uint8Array): number {
  const view = new DataView(prelude.buffer, prelude.byteOffset, PRELUDE_BYTES);
  const total = view.getUint32(0, false);
  const headers = view.getUint32(4, false);
  const expected = view.getUint32(8, false);
  const actual = crc32(prelude.subarray(0, 8));
  if (actual !== expected) {
    throw new EventStreamFormatError(`bad event-stream frame: prelude checksum mismatch (expected ${expected}, computed ${actual})`);
  }
  if (total < MIN_FRAME_BYTES || total > MAX_FRAME_BYTES || headers > MAX_HEADER_BYTES || headers > total - MIN_FRAME_BYTES) {
    throw new EventStreamFormatError(`bad event-stream frame: impossible lengths (total ${total}, headers ${headers})`);
  }
  return total;
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
