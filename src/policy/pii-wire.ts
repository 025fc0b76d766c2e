// Hand-written protobuf encoding of PiiScanInput and decoding of PiiScanOutput: the request-path
// codec. protobuf-es's reflective toBinary/fromBinary cost ~30 µs per 2 KB request on this
// machine, a third of the policy budget; this does the same in a few µs. The generated schema
// (src/gen/sluice/policy/v1/policy_pb.ts) stays the reference: test/unit/policy/pii-wire.test.ts
// checks both directions against it. Field numbers: proto/sluice/policy/v1/policy.proto.
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function putVarint(buf: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

/** PiiScanInput bytes: abi_version, texts, then the pre-encoded rules (field 3 entries). */
export function writeScanInput(abiVersion: number, texts: readonly string[], encodedRules: Uint8Array): Uint8Array {
  let bound = 6 + encodedRules.byteLength;
  for (const t of texts) bound += 6 + t.length * 3;
  const buf = new Uint8Array(bound);
  let at = 0;
  if (abiVersion !== 0) {
    buf[at++] = (1 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, abiVersion);
  }
  for (const text of texts) {
    buf[at++] = (2 << 3) | WIRE_LEN;
    // encode after room for the longest possible length prefix, then close the gap
    const room = varintSize(text.length * 3);
    const { written } = utf8.encodeInto(text, buf.subarray(at + room));
    const need = varintSize(written);
    if (need < room) buf.copyWithin(at + need, at + room, at + room + written);
    at = putVarint(buf, at, written) + written;
  }
  buf.set(encodedRules, at);
  at += encodedRules.byteLength;
  // an exact-size copy: plain Extism hands the whole ArrayBuffer behind a view to the module
  return buf.slice(0, at);
}

export class WireError extends Error {}

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.byteLength) {
    this.pos = start;
  }
  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw new WireError("truncated varint");
      const b = this.buf[this.pos++] as number;
      if (shift < 32) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result >>> 0;
    }
    throw new WireError("varint too long");
  }
  /** [start, end) of a length-delimited field. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new WireError("length runs past the end");
    this.pos = start + len;
    return [start, start + len];
  }
  string(): string {
    const [start, end] = this.span();
    try {
      return strictUtf8.decode(this.buf.subarray(start, end));
    } catch {
      throw new WireError("invalid UTF-8 in a string field");
    }
  }
  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_LEN) this.span();
    else if (wireType === WIRE_I64) this.pos += 8;
    else if (wireType === WIRE_I32) this.pos += 4;
    else throw new WireError(`unsupported wire type ${wireType}`);
    if (this.pos > this.end) throw new WireError("field runs past the end");
  }
}

export interface WireSpan { textIndex: number; start: number; end: number; entityType: string; action: number }
export interface WireScanOutput {
  abiVersion: number;
  spans: WireSpan[];
  rewrites: { textIndex: number; text: string }[];
  placeholders: { placeholder: string; original: string }[];
  blockedEntityTypes: string[];
}

function readSpan(r: Reader, [start, end]: [number, number]): WireSpan {
  const m = new Reader(r.buf, start, end);
  const span: WireSpan = { textIndex: 0, start: 0, end: 0, entityType: "", action: 0 };
  while (m.pos < end) {
    const key = m.varint();
    const field = key >>> 3, wt = key & 7;
    if (wt === WIRE_VARINT && field === 1) span.textIndex = m.varint();
    else if (wt === WIRE_VARINT && field === 2) span.start = m.varint();
    else if (wt === WIRE_VARINT && field === 3) span.end = m.varint();
    else if (wt === WIRE_LEN && field === 4) span.entityType = m.string();
    else if (wt === WIRE_VARINT && field === 5) span.action = m.varint();
    else m.skip(wt);
  }
  return span;
}

function readPair(r: Reader, [start, end]: [number, number]): { index: number; first: string; second: string } {
  const m = new Reader(r.buf, start, end);
  let index = 0, first = "", second = "";
  while (m.pos < end) {
    const key = m.varint();
    const field = key >>> 3, wt = key & 7;
    if (wt === WIRE_VARINT && field === 1) index = m.varint();
    else if (wt === WIRE_LEN && field === 1) first = m.string();
    else if (wt === WIRE_LEN && field === 2) second = m.string();
    else m.skip(wt);
  }
  return { index, first, second };
}

/** Decodes PiiScanOutput; throws WireError on malformed bytes. */
export function readScanOutput(bytes: Uint8Array): WireScanOutput {
  const out: WireScanOutput = { abiVersion: 0, spans: [], rewrites: [], placeholders: [], blockedEntityTypes: [] };
  const r = new Reader(bytes);
  while (r.pos < r.end) {
    const key = r.varint();
    const field = key >>> 3, wt = key & 7;
    if (field === 0) throw new WireError("field number 0");
    if (wt === WIRE_VARINT && field === 1) out.abiVersion = r.varint();
    else if (wt === WIRE_LEN && field === 2) out.spans.push(readSpan(r, r.span()));
    else if (wt === WIRE_LEN && field === 3) {
      const p = readPair(r, r.span());
      out.rewrites.push({ textIndex: p.index, text: p.second });
    } else if (wt === WIRE_LEN && field === 4) {
      const p = readPair(r, r.span());
      out.placeholders.push({ placeholder: p.first, original: p.second });
    } else if (wt === WIRE_LEN && field === 5) out.blockedEntityTypes.push(r.string());
    else r.skip(wt);
  }
  return out;
}
