// RouterRouteInput / RouterRouteOutput <-> plain TypeScript values, with the contract checks that
// turn a module's garbage into a typed failure: bytes that do not decode, a wrong ABI version, a
// target id that is not a candidate, or one listed twice. Hand-written like pii-wire.ts (the
// shared wire helpers are in wire.ts): protobuf-es's reflective toBinary/fromBinary cost ~13 µs
// per routed request on this machine. The generated schema (src/gen/sluice/policy/v1/policy_pb.ts)
// stays the reference: test/unit/policy/router-codec.test.ts checks both directions against it.
// Field numbers: proto/sluice/policy/v1/policy.proto.
import { PolicyCallError } from "./errors.js";
import { decodeUtf8, finishMessage, messageBuffer, putString, putVarint, putVarint64, stringBound, varintSize, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError, WireReader } from "./wire.js";

export const ROUTER_ABI_VERSION = 1;
/** The modules' fixed table size (policy-wasm/router/assembly/table.ts). */
export const ROUTER_MAX_CANDIDATES = 64;
const MAX_REASON_CHARS = 300;

export interface RouterCandidateInfo {
  /** Unique within the request: `<provider id>/<model>` as the route phase builds it. */
  targetId: string;
  healthy: boolean;
  /** EWMA of time to first token, ms (0: not known yet). */
  latencyEwmaMs: number;
  /** EWMA failure rate, 0..1. */
  errorRate: number;
  /** USD per 1M tokens (0: not priced). */
  priceInputPerMtok: number;
  priceOutputPerMtok: number;
  /** What the target can still take this window (0: unknown). */
  remainingCapacity: number;
  weight: number;
  inflight: number;
}

export interface RouterFeatures {
  /** Characters (UTF-16 code units) of every text part. */
  lengthChars: number;
  /** Code fences or code-like lines in the prompt. */
  hasCode: boolean;
  /** User messages. */
  turns: number;
}

export interface RouterInput {
  alias: string;
  tenant: string;
  /** `key=value` per tag. */
  tags: readonly string[];
  inputTokenEstimate: number;
  features: RouterFeatures;
  candidates: readonly RouterCandidateInfo[];
}

export interface RouterDecoded {
  /** Candidate ids in the order to try; candidates left out are not tried. */
  targetIds: string[];
  reason: string;
}

const u32 = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 0xffff_ffff) : 0);
/** uint64 fields: a non-negative integer, at most 2^53 - 1 (what a JS number holds exactly). */
const u53 = (n: number): number => (n > 0 ? Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER) : 0);

// floats and doubles go through a DataView of the buffer being written (wire.ts messageBuffer)
let view: DataView = new DataView(new ArrayBuffer(8));

/** Most bytes a candidate's RouterCandidate body can take. */
const candidateBound = (c: RouterCandidateInfo): number => stringBound(c.targetId) + 2 + 2 * 5 + 2 * 9 + 11 + 2 * 6;

export function encodeRouterInput(input: RouterInput, abiVersion = ROUTER_ABI_VERSION): Uint8Array {
  let bound = 6 + stringBound(input.alias) + stringBound(input.tenant) + 6 + 18;
  for (const tag of input.tags) bound += stringBound(tag);
  for (const c of input.candidates) bound += 6 + candidateBound(c);
  const buf = messageBuffer(bound);
  if (view.buffer !== buf.buffer || view.byteOffset !== buf.byteOffset) view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  if (abiVersion !== 0) {
    buf[at++] = (1 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, u32(abiVersion));
  }
  if (input.alias !== "") at = putString(buf, at, 2, input.alias);
  if (input.tenant !== "") at = putString(buf, at, 3, input.tenant);
  for (const tag of input.tags) at = putString(buf, at, 4, tag);
  const tokens = u32(input.inputTokenEstimate);
  if (tokens !== 0) {
    buf[at++] = (5 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, tokens);
  }
  // features (always present: an empty message when every field is zero)
  const f = input.features;
  const lengthChars = u32(f.lengthChars), turns = u32(f.turns);
  buf[at++] = (6 << 3) | WIRE_LEN;
  const featuresAt = at++;
  if (lengthChars !== 0) {
    buf[at++] = (1 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, lengthChars);
  }
  if (f.hasCode) {
    buf[at++] = (2 << 3) | WIRE_VARINT;
    buf[at++] = 1;
  }
  if (turns !== 0) {
    buf[at++] = (3 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, turns);
  }
  buf[featuresAt] = at - featuresAt - 1; // at most 15 bytes: a one-byte length
  for (const c of input.candidates) at = putCandidate(buf, at, c);
  return finishMessage(buf, at);
}

/** Field 7 of RouterRouteInput: one RouterCandidate. Zero values are left out (proto3). */
function putCandidate(buf: Uint8Array, at: number, c: RouterCandidateInfo): number {
  buf[at++] = (7 << 3) | WIRE_LEN;
  // the body goes after a one-byte length; a body of 128 bytes or more is moved up to make room
  const lengthAt = at++;
  if (c.targetId !== "") at = putString(buf, at, 1, c.targetId);
  if (c.healthy) {
    buf[at++] = (2 << 3) | WIRE_VARINT;
    buf[at++] = 1;
  }
  if (!Object.is(c.latencyEwmaMs, 0)) {
    buf[at++] = (3 << 3) | WIRE_I32;
    view.setFloat32(at, c.latencyEwmaMs, true);
    at += 4;
  }
  if (!Object.is(c.errorRate, 0)) {
    buf[at++] = (4 << 3) | WIRE_I32;
    view.setFloat32(at, c.errorRate, true);
    at += 4;
  }
  if (!Object.is(c.priceInputPerMtok, 0)) {
    buf[at++] = (5 << 3) | WIRE_I64;
    view.setFloat64(at, c.priceInputPerMtok, true);
    at += 8;
  }
  if (!Object.is(c.priceOutputPerMtok, 0)) {
    buf[at++] = (6 << 3) | WIRE_I64;
    view.setFloat64(at, c.priceOutputPerMtok, true);
    at += 8;
  }
  const capacity = u53(c.remainingCapacity);
  if (capacity !== 0) {
    buf[at++] = (7 << 3) | WIRE_VARINT;
    at = putVarint64(buf, at, capacity);
  }
  const weight = u32(c.weight), inflight = u32(c.inflight);
  if (weight !== 0) {
    buf[at++] = (8 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, weight);
  }
  if (inflight !== 0) {
    buf[at++] = (9 << 3) | WIRE_VARINT;
    at = putVarint(buf, at, inflight);
  }
  const size = at - lengthAt - 1;
  if (size < 0x80) {
    buf[lengthAt] = size;
    return at;
  }
  const extra = varintSize(size) - 1;
  buf.copyWithin(lengthAt + 1 + extra, lengthAt + 1, at);
  putVarint(buf, lengthAt, size);
  return at + extra;
}

function garbage(message: string): PolicyCallError {
  return new PolicyCallError("garbage", `router output: ${message}`);
}

/** RouterRouteOutput's fields as read off the wire, before any contract check. */
export interface RouterOutputFields {
  abiVersion: number;
  targetIds: string[];
  reason: string;
}

/** Reads RouterRouteOutput (unknown fields skipped, a repeated scalar's last value wins, as
 *  protobuf does); throws WireError on malformed bytes. */
export function readRouterOutput(bytes: Uint8Array): RouterOutputFields {
  const out: RouterOutputFields = { abiVersion: 0, targetIds: [], reason: "" };
  const r = new WireReader(bytes);
  while (r.pos < r.end) {
    const key = r.varint();
    const field = key >>> 3, wt = key & 7;
    if (field === 0) throw new WireError("field number 0");
    if (field === 1 && wt === WIRE_VARINT) out.abiVersion = r.varint();
    else if (field === 2 && wt === WIRE_LEN) out.targetIds.push(r.string());
    else if (field === 3 && wt === WIRE_LEN) out.reason = r.string();
    else r.skip(wt);
  }
  return out;
}

/** Which candidate the target id at bytes[start, end) names: its index, or -1. An ASCII id is
 *  compared in place (no string made); anything else is decoded (WireError on invalid UTF-8). */
function candidateAt(bytes: Uint8Array, start: number, end: number, candidateIds: readonly string[]): number {
  const len = end - start;
  for (let i = 0; i < candidateIds.length; i++) {
    const id = candidateIds[i]!;
    if (id.length !== len) continue;
    let k = 0;
    for (; k < len; k++) {
      const b = bytes[start + k]!;
      if (b >= 0x80 || id.charCodeAt(k) !== b) break;
    }
    if (k === len) return i;
  }
  return candidateIds.indexOf(decodeUtf8(bytes, start, end));
}

/** Decodes a module's answer; throws PolicyCallError("garbage") when it breaks the contract. Reads
 *  what readRouterOutput reads, but resolves each target id to its candidate as it goes. */
export function decodeRouterOutput(bytes: Uint8Array, candidateIds: readonly string[]): RouterDecoded {
  let abiVersion = 0;
  let reason = "";
  const picked: number[] = []; // candidate index, or -1 - k for unknowns[k]
  const unknowns: string[] = [];
  try {
    const r = new WireReader(bytes);
    while (r.pos < r.end) {
      const key = r.varint();
      const field = key >>> 3, wt = key & 7;
      if (field === 0) throw new WireError("field number 0");
      if (field === 1 && wt === WIRE_VARINT) abiVersion = r.varint();
      else if (field === 2 && wt === WIRE_LEN) {
        const end = r.lengthEnd();
        const index = candidateAt(bytes, r.pos, end, candidateIds);
        if (index >= 0) picked.push(index);
        else {
          unknowns.push(decodeUtf8(bytes, r.pos, end));
          picked.push(-unknowns.length); // -1 - k for unknowns[k]
        }
        r.pos = end;
      } else if (field === 3 && wt === WIRE_LEN) reason = r.string();
      else r.skip(wt);
    }
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    throw garbage(`not a RouterRouteOutput (${err.message})`);
  }
  if (abiVersion !== ROUTER_ABI_VERSION) throw garbage(`abi_version ${abiVersion}, expected ${ROUTER_ABI_VERSION}`);
  const seen = new Uint8Array(candidateIds.length);
  const targetIds: string[] = [];
  for (const index of picked) {
    if (index < 0) throw garbage(`unknown target id ${JSON.stringify(unknowns[-1 - index]!.slice(0, 100))}`);
    const id = candidateIds[index]!;
    if (seen[index]) throw garbage(`target id ${JSON.stringify(id)} listed twice`);
    seen[index] = 1;
    targetIds.push(id);
  }
  if (reason.length > MAX_REASON_CHARS) reason = `${reason.slice(0, MAX_REASON_CHARS)}...`;
  return { targetIds, reason };
}
