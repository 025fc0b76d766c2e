// Runs a batch of texts through pre-tokenisation and BPE.
//
// Batch input (all integers u32 little-endian):
//   count, then `count` times: byteLength, UTF-8 bytes (no padding, no terminator)
// Output of count:   count, then one token count per text
// Output of encode:  count, then per text: n, then n token ids
// A future protobuf ABI can carry the input as one `bytes` field; the layout stays the same.
import { reserveOutput } from "./buffers";
import { OK, ERR_NOT_INITIALISED, ERR_BAD_BATCH } from "./errors";
import { initialised, pattern, PATTERN_O200K } from "./ranks";
import { nextPieceCl100k, nextPieceO200k } from "./pretokenize";
import { beginText, encodePiece, tokensSoFar, cursorPosition } from "./bpe";

let outputStart: usize = 0;
let outputLength: usize = 0;
export function lastOutput(): usize { return outputStart; }
export function lastOutputLength(): usize { return outputLength; }

/** Checks the framing and returns the worst-case output size, or 0 if malformed. */
function validate(input: usize, len: usize, emitIds: bool): usize {
  if (len < 4) return 0;
  const count = <u64>load<u32>(input);
  let at: u64 = 4;
  let worst: u64 = 4 + count * 4;
  for (let i: u64 = 0; i < count; i++) {
    if (at + 4 > <u64>len) return 0;
    const textLen = <u64>load<u32>(input + <usize>at);
    at += 4 + textLen;
    if (at > <u64>len) return 0;
    if (emitIds) worst += textLen * 4; // never more tokens than bytes
  }
  if (at != <u64>len || worst > 0x7fffffff) return 0;
  return <usize>worst;
}

function tokenise(p: usize, end: usize): void {
  let i = p;
  if (pattern == PATTERN_O200K) {
    while (i < end) {
      const e = nextPieceO200k(i, end);
      encodePiece(i, e - i);
      i = e;
    }
  } else {
    while (i < end) {
      const e = nextPieceCl100k(i, end);
      encodePiece(i, e - i);
      i = e;
    }
  }
}

/** Tokenises every text of the batch at `input`; the result is at lastOutput(). */
export function runBatch(input: usize, len: usize, emitIds: bool): i32 {
  if (!initialised) return ERR_NOT_INITIALISED;
  const worst = validate(input, len, emitIds);
  if (worst == 0) return ERR_BAD_BATCH;
  const out = reserveOutput(worst);
  const count = load<u32>(input);
  store<u32>(out, count);
  let at = input + 4;
  let w = out + 4;
  for (let i: u32 = 0; i < count; i++) {
    const textLen = <usize>load<u32>(at);
    const text = at + 4;
    if (emitIds) {
      beginText(true, w + 4);
      tokenise(text, text + textLen);
      store<u32>(w, tokensSoFar());
      w = cursorPosition();
    } else {
      beginText(false, 0);
      tokenise(text, text + textLen);
      store<u32>(w, tokensSoFar());
      w += 4;
    }
    at = text + textLen;
  }
  outputStart = out;
  outputLength = w - out;
  return OK;
}
