// RouterRouteInput / RouterRouteOutput <-> plain TypeScript values, with the contract checks that
// turn a module's garbage into a typed failure: bytes that do not decode, a wrong ABI version, a
// target id that is not a candidate, or one listed twice. Hand-written like pii/codec.ts over
// ../host/wire.ts: protobuf-es's reflective toBinary/fromBinary would cost more than the routing
// itself (bench/RESULTS.md, "Router slot cost per request"). ROUTER_FIELDS is the one place its
// field numbers and types come from (test/unit/policy/codec-fields.test.ts checks it against the
// descriptors generated from proto/sluice/policy/v1/policy.proto); the generated schema stays the
// reference for the bytes (test/unit/policy/router-codec.test.ts checks both directions).
import { ABI_VERSION } from "../host/definitions.js";
import { PolicyCallError } from "../host/errors.js";
import {
  decodeUtf8, finishMessage, messageBuffer, putString, putVarint, putVarint64, stringBound, tag, varintSize, WireError, WireReader,
  type FieldSpec,
} from "../host/wire.js";

/** The fields this codec writes and reads, by message (policy.proto). */
export const ROUTER_FIELDS = {
  RouterRouteInput: {
    abi_version: { no: 1, type: "uint32" },
    alias: { no: 2, type: "string" },
    tenant: { no: 3, type: "string" },
    tags: { no: 4, type: "string", repeated: true },
    input_token_estimate: { no: 5, type: "uint32" },
    features: { no: 6, type: "message" },
    candidates: { no: 7, type: "message", repeated: true },
  },
  RouterPromptFeatures: {
    length_chars: { no: 1, type: "uint32" },
    has_code: { no: 2, type: "bool" },
    turns: { no: 3, type: "uint32" },
  },
  RouterCandidate: {
    target_id: { no: 1, type: "string" },
    healthy: { no: 2, type: "bool" },
    latency_ewma_ms: { no: 3, type: "float" },
    error_rate: { no: 4, type: "float" },
    price_input_per_mtok: { no: 5, type: "double" },
    price_output_per_mtok: { no: 6, type: "double" },
    remaining_capacity: { no: 7, type: "uint64" },
    weight: { no: 8, type: "uint32" },
    inflight: { no: 9, type: "uint32" },
  },
  RouterRouteOutput: {
    abi_version: { no: 1, type: "uint32" },
    target_ids: { no: 2, type: "string", repeated: true },
    reason: { no: 3, type: "string" },
  },
} as const satisfies Record<string, Record<string, FieldSpec>>;

const IN = ROUTER_FIELDS.RouterRouteInput, FEATURES = ROUTER_FIELDS.RouterPromptFeatures;
const CANDIDATE = ROUTER_FIELDS.RouterCandidate, OUT = ROUTER_FIELDS.RouterRouteOutput;
const IN_ABI = tag(IN.abi_version), IN_ALIAS = tag(IN.alias), IN_TENANT = tag(IN.tenant), IN_TAG = tag(IN.tags);
const IN_TOKENS = tag(IN.input_token_estimate), IN_FEATURES = tag(IN.features), IN_CANDIDATE = tag(IN.candidates);
const F_LENGTH = tag(FEATURES.length_chars), F_HAS_CODE = tag(FEATURES.has_code), F_TURNS = tag(FEATURES.turns);
const C_ID = tag(CANDIDATE.target_id), C_HEALTHY = tag(CANDIDATE.healthy), C_LATENCY = tag(CANDIDATE.latency_ewma_ms);
const C_ERRORS = tag(CANDIDATE.error_rate), C_PRICE_IN = tag(CANDIDATE.price_input_per_mtok), C_PRICE_OUT = tag(CANDIDATE.price_output_per_mtok);
const C_CAPACITY = tag(CANDIDATE.remaining_capacity), C_WEIGHT = tag(CANDIDATE.weight), C_INFLIGHT = tag(CANDIDATE.inflight);
const OUT_ABI = tag(OUT.abi_version), OUT_TARGET = tag(OUT.target_ids), OUT_REASON = tag(OUT.reason);
/** The modules' fixed table size (policy-wasm/sdk/router.ts). */
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

interface RouterFeatures {
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

interface RouterDecoded {
  /** Candidate ids in the order to try; candidates left out are not tried. */
  targetIds: string[];
  reason: string;
}

const u32 = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 0xffff_ffff) : 0);
/** uint64 fields: a non-negative integer, at most 2^53 - 1 (what a JS number holds exactly). */
const u53 = (n: number): number => (n > 0 ? Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER) : 0);

// floats and doubles go through a DataView of the buffer being written (messageBuffer)
let view: DataView = new DataView(new ArrayBuffer(8));

/** Most bytes a candidate's RouterCandidate body can take. */
const candidateBound = (c: RouterCandidateInfo): number => stringBound(c.targetId) + 2 + 2 * 5 + 2 * 9 + 11 + 2 * 6;

export function encodeRouterInput(input: RouterInput, abiVersion = ABI_VERSION): Uint8Array {
  let bound = 6 + stringBound(input.alias) + stringBound(input.tenant) + 6 + 18;
  for (const tag of input.tags) bound += stringBound(tag);
  for (const c of input.candidates) bound += 6 + candidateBound(c);
  const buf = messageBuffer(bound);
  if (view.buffer !== buf.buffer || view.byteOffset !== buf.byteOffset) view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  if (abiVersion !== 0) {
    buf[at++] = IN_ABI;
    at = putVarint(buf, at, u32(abiVersion));
  }
  if (input.alias !== "") at = putString(buf, at, IN_ALIAS, input.alias);
  if (input.tenant !== "") at = putString(buf, at, IN_TENANT, input.tenant);
  for (const t of input.tags) at = putString(buf, at, IN_TAG, t);
  const tokens = u32(input.inputTokenEstimate);
  if (tokens !== 0) {
    buf[at++] = IN_TOKENS;
    at = putVarint(buf, at, tokens);
  }
  // features (always present: an empty message when every field is zero)
  const f = input.features;
  const lengthChars = u32(f.lengthChars), turns = u32(f.turns);
  buf[at++] = IN_FEATURES;
  const featuresAt = at++;
  if (lengthChars !== 0) {
    buf[at++] = F_LENGTH;
    at = putVarint(buf, at, lengthChars);
  }
  if (f.hasCode) {
    buf[at++] = F_HAS_CODE;
    buf[at++] = 1;
  }
  if (turns !== 0) {
    buf[at++] = F_TURNS;
    at = putVarint(buf, at, turns);
  }
  buf[featuresAt] = at - featuresAt - 1; // at most 15 bytes: a one-byte length
  for (const c of input.candidates) at = putCandidate(buf, at, c);
  return finishMessage(buf, at);
}

/** RouterRouteInput.candidates: one RouterCandidate. Zero values are left out (proto3). */
function putCandidate(buf: Uint8Array, at: number, c: RouterCandidateInfo): number {
  buf[at++] = IN_CANDIDATE;
  // the body goes after a one-byte length; a body of 128 bytes or more is moved up to make room
  const lengthAt = at++;
  if (c.targetId !== "") at = putString(buf, at, C_ID, c.targetId);
  if (c.healthy) {
    buf[at++] = C_HEALTHY;
    buf[at++] = 1;
  }
  if (!Object.is(c.latencyEwmaMs, 0)) {
    buf[at++] = C_LATENCY;
    view.setFloat32(at, c.latencyEwmaMs, true);
    at += 4;
  }
  if (!Object.is(c.errorRate, 0)) {
    buf[at++] = C_ERRORS;
    view.setFloat32(at, c.errorRate, true);
    at += 4;
  }
  if (!Object.is(c.priceInputPerMtok, 0)) {
    buf[at++] = C_PRICE_IN;
    view.setFloat64(at, c.priceInputPerMtok, true);
    at += 8;
  }
  if (!Object.is(c.priceOutputPerMtok, 0)) {
    buf[at++] = C_PRICE_OUT;
    view.setFloat64(at, c.priceOutputPerMtok, true);
    at += 8;
  }
  const capacity = u53(c.remainingCapacity);
  if (capacity !== 0) {
    buf[at++] = C_CAPACITY;
    at = putVarint64(buf, at, capacity);
  }
  const weight = u32(c.weight), inflight = u32(c.inflight);
  if (weight !== 0) {
    buf[at++] = C_WEIGHT;
    at = putVarint(buf, at, weight);
  }
  if (inflight !== 0) {
    buf[at++] = C_INFLIGHT;
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
interface RouterOutputFields {
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
    if (key >>> 3 === 0) throw new WireError("field number 0");
    if (key === OUT_ABI) out.abiVersion = r.varint();
    else if (key === OUT_TARGET) out.targetIds.push(r.string());
    else if (key === OUT_REASON) out.reason = r.string();
    else r.skip(key & 7);
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
      if (key >>> 3 === 0) throw new WireError("field number 0");
      if (key === OUT_ABI) abiVersion = r.varint();
      else if (key === OUT_TARGET) {
        const end = r.lengthEnd();
        const index = candidateAt(bytes, r.pos, end, candidateIds);
        if (index >= 0) picked.push(index);
        else {
          unknowns.push(decodeUtf8(bytes, r.pos, end));
          picked.push(-unknowns.length); // -1 - k for unknowns[k]
        }
        r.pos = end;
      } else if (key === OUT_REASON) reason = r.string();
      else r.skip(key & 7);
    }
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    throw garbage(`not a RouterRouteOutput (${err.message})`);
  }
  if (abiVersion !== ABI_VERSION) throw garbage(`abi_version ${abiVersion}, expected ${ABI_VERSION}`);
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
