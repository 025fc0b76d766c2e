// Hand-written protobuf encoding of PiiScanInput and decoding of PiiScanOutput: the request-path
// codec. protobuf-es's reflective toBinary/fromBinary cost ~30 µs per 2 KB request on this
// machine, a third of the policy budget; this does the same in a few µs. The generated schema
// (src/gen/sluice/policy/v1/policy_pb.ts) stays the reference: test/unit/policy/pii-wire.test.ts
// checks both directions against it. Field numbers: proto/sluice/policy/v1/policy.proto; the
// wire helpers are shared with the other slots' codecs (wire.ts).
import { finishMessage, messageBuffer, putString, putVarint, stringBound, WIRE_LEN, WIRE_VARINT, WireError, WireReader as Reader } from "./wire.js";

export { WireError };

/** PiiScanInput bytes: abi_version, texts, then the pre-encoded rules (field 3 entries). */
export function writeScanInput(abiVersion: number, texts: readonly string[], encodedRules: Uint8Array): Uint8Array {
  let bound = 6 + encodedRules.byteLength;
  for (const t of texts) bound += stringBound(t);
  const buf = messageBuffer(bound);
  let at = 0;
  if (abiVersion !== 0) {
    buf[at++] = (1 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, abiVersion);
  }
  for (const text of texts) at = putString(buf, at, 2, text);
  buf.set(encodedRules, at);
  at += encodedRules.byteLength;
  return finishMessage(buf, at);
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
