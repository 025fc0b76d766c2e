// The router slot (export `route`): read RouterRouteInput (proto/sluice/policy/v1/policy.proto;
// field numbers in router_fields.ts) into fixed tables, let a rule fill `order` and the reason,
// write RouterRouteOutput. Used by the shipped router modules (policy-wasm/router) and by
// authors' modules alike. Nothing here allocates per call (the stub runtime never frees): target
// ids, the alias, the tenant and the tags stay in the input buffer, tables are fixed-size, the
// reason goes into a grow-only buffer.
//
// A module:   export { abi_version } from "@sluice/policy-sdk";
//             export function route(): i32 { return runRouteWith(myRule); }
// where myRule() reads the request (tenant, tags, alias, features, candidate tables) and changes
// `order` (moveToFront, orderAsGiven, dropCandidate) and the reason (reasonText, reasonId).
// I/O: runRouteWith picks it at build (io.ts); runRoute is plain Extism I/O and runRouteHostIo
// `sluice:host` I/O, for modules that ship both builds from two entry files.
import { ByteBuffer } from "./buffers";
import { input, readExtismInput, writeExtismOutput } from "./extism";
import { readInput, readHostInput, writeHostOutput, writeOutput } from "./io";
import { ABI_VERSION, abiAccepted } from "./abi";
import { OK, ERR_BAD_INPUT, ERR_ABI_VERSION, fail } from "./errors";
import { bytesEqual, startsWithAt } from "./text";
import {
  output, startReading, readVarint, readVarint64, readFloat, readDouble, skip, skipField, pos, bad,
  writeVarint, writeTag, writeBytes, WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32,
} from "./wire";
import { RouterCandidate, RouterPromptFeatures, RouterRouteInput, RouterRouteOutput } from "./router_fields";

export { OK, ERR_BAD_INPUT, ERR_ABI_VERSION } from "./errors";
export const MAX_CANDIDATES: i32 = 64;
const ERR_TOO_MANY: i32 = 3;
const MAX_TAGS: i32 = 64;

// ---- the request
export let alias: i32 = 0; // offset of the alias in the input
export let aliasLen: i32 = 0;
export let inputTokens: u32 = 0;
export let lengthChars: u32 = 0;
export let hasCode: bool = false;
export let turns: u32 = 0;
export let tenantAt: i32 = 0; // offset of the tenant id in the input
export let tenantLen: i32 = 0;
export let tagCount: i32 = 0;
const tagAt = new StaticArray<i32>(MAX_TAGS);
const tagLen = new StaticArray<i32>(MAX_TAGS);

// ---- the candidate table, in the host's (configured) order
export let count: i32 = 0;
export const idAt = new StaticArray<i32>(MAX_CANDIDATES);
export const idLen = new StaticArray<i32>(MAX_CANDIDATES);
export const healthy = new StaticArray<bool>(MAX_CANDIDATES);
export const latencyMs = new StaticArray<f32>(MAX_CANDIDATES);
export const errorRate = new StaticArray<f32>(MAX_CANDIDATES);
export const priceIn = new StaticArray<f64>(MAX_CANDIDATES);
export const priceOut = new StaticArray<f64>(MAX_CANDIDATES);
export const capacity = new StaticArray<u64>(MAX_CANDIDATES);
export const weight = new StaticArray<u32>(MAX_CANDIDATES);
export const inflight = new StaticArray<u32>(MAX_CANDIDATES);

// ---- the answer: candidate indices in the order to try (a rule may leave some out)
export const order = new StaticArray<i32>(MAX_CANDIDATES);
export let orderLen: i32 = 0;
export const reason = new ByteBuffer();

/** Candidates in input order, as the starting point of a rule. */
export function orderAsGiven(): void {
  for (let i = 0; i < count; i++) unchecked(order[i] = i);
  orderLen = count;
}

/** Healthy candidates (breaker closed, error rate at most 0.25) in input order, then the others:
 *  a starting point for a rule that does not care about cost (the shipped rule is cost-aware). */
export function healthyFirst(): void {
  let k = 0;
  for (let c = 0; c < count; c++) if (isUsable(c)) unchecked(order[k++] = c);
  for (let c = 0; c < count; c++) if (!isUsable(c)) unchecked(order[k++] = c);
  orderLen = count;
}

/** Whether candidate `c` is healthy (breaker closed) with an error rate of at most 0.25. */
export function isUsable(c: i32): bool { return unchecked(healthy[c]) && unchecked(errorRate[c]) <= 0.25; }

/** Moves candidate `c` to the front of `order` (adding it when it was left out). */
export function moveToFront(c: i32): void {
  assert(c >= 0 && c < count); // debug builds: a rule naming a candidate that is not there traps
  let at = orderLen;
  for (let k = 0; k < orderLen; k++) if (unchecked(order[k]) == c) { at = k; break; }
  if (at == orderLen) orderLen++;
  for (let k = at; k > 0; k--) unchecked(order[k] = order[k - 1]);
  unchecked(order[0] = c);
}

/** Leaves candidate `c` out of `order`: it is not tried. */
export function dropCandidate(c: i32): void {
  let k = 0;
  while (k < orderLen && unchecked(order[k]) != c) k++;
  if (k == orderLen) return;
  for (; k + 1 < orderLen; k++) unchecked(order[k] = order[k + 1]);
  orderLen--;
}

// ---- the request's strings, compared in place (no allocation)
/** Whether the request's tenant id is `id`. */
export function tenantIs(id: string): bool { return bytesEqual(input.ptr + <usize>tenantAt, tenantLen, id); }
/** Whether the request's alias is `name`. */
export function aliasIs(name: string): bool { return bytesEqual(input.ptr + <usize>alias, aliasLen, name); }
/** Whether one of the request's tags is `tag` (tags: the key's and the request's, as the host sends them). */
export function hasTag(tag: string): bool {
  for (let k = 0; k < tagCount; k++) if (bytesEqual(input.ptr + <usize>unchecked(tagAt[k]), unchecked(tagLen[k]), tag)) return true;
  return false;
}
/** Whether candidate `c`'s target id is `id` (e.g. "openai-main/gpt-4o"). */
export function targetIs(c: i32, id: string): bool { return bytesEqual(input.ptr + <usize>unchecked(idAt[c]), unchecked(idLen[c]), id); }
/** Whether candidate `c`'s target id starts with the ASCII `prefix` (e.g. a provider id and "/"). */
export function targetStartsWith(c: i32, prefix: string): bool { return startsWithAt(input.ptr + <usize>unchecked(idAt[c]), unchecked(idLen[c]), 0, prefix); }
/** Index of the candidate whose target id is `id`, or -1. */
export function findTarget(id: string): i32 {
  for (let c = 0; c < count; c++) if (targetIs(c, id)) return c;
  return -1;
}
/** The first candidate whose target id starts with `prefix`, or -1. */
export function findTargetStartingWith(prefix: string): i32 {
  for (let c = 0; c < count; c++) if (targetStartsWith(c, prefix)) return c;
  return -1;
}

// ---- the reason text (ASCII from the module, target ids copied from the input)
export function reasonClear(): void { reason.len = 0; }
export function reasonText(s: string): void {
  const n = s.length;
  reason.ensure(<usize>n);
  const p = reason.ptr + reason.len;
  for (let k = 0; k < n; k++) store<u8>(p + <usize>k, <u8>s.charCodeAt(k));
  reason.len += <usize>n;
}
export function reasonId(c: i32): void {
  const n = <usize>unchecked(idLen[c]);
  reason.ensure(n);
  memory.copy(reason.ptr + reason.len, input.ptr + <usize>unchecked(idAt[c]), n);
  reason.len += n;
}

// ---- parsing
function parseFeatures(base: usize, end: i32): bool {
  while (pos < end) {
    const key = readVarint(base, end);
    if (bad) return false;
    const field = key >>> 3, wt = key & 7;
    if (wt != WIRE_VARINT) { if (!skipField(base, end, wt)) return false; continue; }
    const v = readVarint(base, end);
    if (field == RouterPromptFeatures.length_chars) lengthChars = v;
    else if (field == RouterPromptFeatures.has_code) hasCode = v != 0;
    else if (field == RouterPromptFeatures.turns) turns = v;
  }
  return !bad;
}

function parseCandidate(base: usize, end: i32, c: i32): bool {
  unchecked(idAt[c] = 0); unchecked(idLen[c] = 0); unchecked(healthy[c] = false);
  unchecked(latencyMs[c] = 0); unchecked(errorRate[c] = 0); unchecked(priceIn[c] = 0);
  unchecked(priceOut[c] = 0); unchecked(capacity[c] = 0); unchecked(weight[c] = 0); unchecked(inflight[c] = 0);
  while (pos < end) {
    const key = readVarint(base, end);
    if (bad) return false;
    const field = key >>> 3, wt = key & 7;
    if (field == RouterCandidate.target_id && wt == WIRE_LEN) {
      const n = <i32>readVarint(base, end);
      if (bad || n < 0 || pos + n > end) return false;
      unchecked(idAt[c] = pos); unchecked(idLen[c] = n);
      skip(n);
    } else if (field == RouterCandidate.healthy && wt == WIRE_VARINT) unchecked(healthy[c] = readVarint(base, end) != 0);
    else if (field == RouterCandidate.latency_ewma_ms && wt == WIRE_I32) unchecked(latencyMs[c] = readFloat(base, end));
    else if (field == RouterCandidate.error_rate && wt == WIRE_I32) unchecked(errorRate[c] = readFloat(base, end));
    else if (field == RouterCandidate.price_input_per_mtok && wt == WIRE_I64) unchecked(priceIn[c] = readDouble(base, end));
    else if (field == RouterCandidate.price_output_per_mtok && wt == WIRE_I64) unchecked(priceOut[c] = readDouble(base, end));
    else if (field == RouterCandidate.remaining_capacity && wt == WIRE_VARINT) unchecked(capacity[c] = readVarint64(base, end));
    else if (field == RouterCandidate.weight && wt == WIRE_VARINT) unchecked(weight[c] = readVarint(base, end));
    else if (field == RouterCandidate.inflight && wt == WIRE_VARINT) unchecked(inflight[c] = readVarint(base, end));
    else if (!skipField(base, end, wt)) return false;
    if (bad) return false;
  }
  return true;
}

/** Parses RouterRouteInput at `base`; OK or an error code. */
function parseRouteInput(base: usize, len: i32): i32 {
  count = 0; orderLen = 0; alias = 0; aliasLen = 0; inputTokens = 0; tenantAt = 0; tenantLen = 0; tagCount = 0;
  lengthChars = 0; hasCode = false; turns = 0;
  let abi: u32 = 0;
  startReading(0);
  while (pos < len) {
    const key = readVarint(base, len);
    if (bad) return ERR_BAD_INPUT;
    const field = key >>> 3, wt = key & 7;
    if (wt == WIRE_LEN) {
      const n = <i32>readVarint(base, len);
      if (bad || n < 0 || pos + n > len) return ERR_BAD_INPUT;
      const at = pos;
      if (field == RouterRouteInput.alias) { alias = at; aliasLen = n; }
      else if (field == RouterRouteInput.tenant) { tenantAt = at; tenantLen = n; }
      else if (field == RouterRouteInput.tags) {
        if (tagCount < MAX_TAGS) { unchecked(tagAt[tagCount] = at); unchecked(tagLen[tagCount] = n); tagCount++; }
      }
      else if (field == RouterRouteInput.features) { startReading(at); if (!parseFeatures(base, at + n)) return ERR_BAD_INPUT; }
      else if (field == RouterRouteInput.candidates) {
        if (count == MAX_CANDIDATES) return ERR_TOO_MANY;
        startReading(at);
        if (!parseCandidate(base, at + n, count)) return ERR_BAD_INPUT;
        count++;
      }
      startReading(at + n);
    } else if (wt == WIRE_VARINT) {
      const v = readVarint(base, len);
      if (field == RouterRouteInput.abi_version) abi = v;
      else if (field == RouterRouteInput.input_token_estimate) inputTokens = v;
    } else if (!skipField(base, len, wt)) return ERR_BAD_INPUT;
    if (bad || pos > len) return ERR_BAD_INPUT;
  }
  if (!abiAccepted(abi)) return ERR_ABI_VERSION;
  return OK;
}

/** Writes RouterRouteOutput from `order` and `reason` into the output buffer. */
function writeRouteOutput(): void {
  output.len = 0;
  writeTag(RouterRouteOutput.abi_version, WIRE_VARINT); writeVarint(ABI_VERSION);
  for (let k = 0; k < orderLen; k++) {
    const c = unchecked(order[k]);
    writeTag(RouterRouteOutput.target_ids, WIRE_LEN); writeVarint(<u32>unchecked(idLen[c]));
    writeBytes(input.ptr + <usize>unchecked(idAt[c]), unchecked(idLen[c]));
  }
  if (reason.len > 0) { writeTag(RouterRouteOutput.reason, WIRE_LEN); writeVarint(<u32>reason.len); writeBytes(reason.ptr, <i32>reason.len); }
}

function errorMessage(code: i32): string {
  switch (code) {
    case ERR_BAD_INPUT: return "router: malformed RouterRouteInput (truncated field or unknown wire type)";
    case ERR_ABI_VERSION: return "router: unsupported abi_version (this module implements 1)";
    case ERR_TOO_MANY: return "router: more than 64 candidates";
    default: return "router: unknown error";
  }
}

function reportError(code: i32): i32 { return fail(code, errorMessage(code)); }

/** Routes the `len` input bytes in the input buffer: parse, rule(), write RouterRouteOutput
 *  into the output buffer. OK, or an error code with the Extism error set. */
export function routeInput(rule: () => void, len: i32): i32 {
  const code = parseRouteInput(input.ptr, len);
  if (code != OK) return reportError(code);
  reasonClear();
  rule();
  writeRouteOutput();
  return OK;
}

/** The whole `route` export around a rule, plain Extism I/O: read, parse, rule(), write. The
 *  `sluice:host` variant is runRouteHostIo. */
export function runRoute(rule: () => void): i32 {
  const code = routeInput(rule, readExtismInput());
  if (code != OK) return code;
  writeExtismOutput(output.ptr, output.len);
  return OK;
}

/** The whole `route` export around a rule, `sluice:host` I/O: read, parse, rule(), write. */
export function runRouteHostIo(rule: () => void): i32 {
  const code = routeInput(rule, readHostInput());
  if (code != OK) return code;
  writeHostOutput(output.ptr, output.len);
  return OK;
}

/** The whole `route` export around a rule, with the I/O chosen at build (io.ts): what an
 *  author's module calls, `export function route(): i32 { return runRouteWith(myRule); }`. */
export function runRouteWith(rule: () => void): i32 {
  const code = routeInput(rule, readInput());
  if (code != OK) return code;
  writeOutput(output.ptr, output.len);
  return OK;
}
