import { codeFromString, codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { boundedText } from "../../core/call-record.js";
import type { LineWriter, Logger } from "../../core/logger.js";
import type { ServerCall } from "../call.js";

/** What the server saw of one request when its response ended. */
export interface AccessEntry {
  call: ServerCall;
  method: string;
  /** The request path without its query (bounded here: callers choose it). */
  path: string;
  /** HTTP status sent (gRPC answers 200 and carries its status in `call.rpcCode`). */
  status: number;
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** The response did not finish: the client went away first. */
  aborted: boolean;
}

/** Operational endpoints: polled all the time, so logged at debug. */
const OPS_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * One line per request, whatever the surface and however it ended: ids, codes, counts and
 * timings from the call record, never prompt or answer text, and caller-chosen strings only
 * bounded. `/healthz`, `/readyz` and `/metrics` at debug; failures that are the gateway's or a
 * provider's (5xx, `internal`) at warn, with the cause of an internal error; the rest at info.
 * `enabled` false (`telemetry.access_log: false`) keeps only the warn lines.
 *
 * The info and debug lines (nearly all of them) are serialized here, field by field, and handed
 * to `lines` as they are: the logger's generic serialization and redaction of an object per
 * request cost about 7 % of the gateway's CPU under load (bench/RESULTS.md, "Performance").
 * The fields are ours and carry no secrets, so nothing needs redacting.
 */
export function writeAccessLog(log: Logger, lines: LineWriter, enabled: boolean, entry: AccessEntry): void {
  const { call, status } = entry;
  const r = call.record;
  const rpcCode = call.rpcCode;
  const failed = r.errorCode !== undefined || status >= 400 || (rpcCode !== undefined && rpcCode !== "ok");
  // The HTTP status the failure amounts to: gRPC and Connect streams answer 200 whatever happens.
  const code = rpcCode === undefined || rpcCode === "ok" ? undefined : codeFromString(rpcCode);
  const effective = code === undefined ? status : Math.max(status, codeToHttpStatus(code));
  const serious = effective >= 500 || r.errorCode === "internal";
  const msg = failed ? "request failed" : "request";
  if (serious) {
    // Rare: through the logger, which serializes the cause of an internal error.
    const line = JSON.parse(`{${accessFields(entry)}}`) as Record<string, unknown>;
    return log.warn(call.cause !== undefined ? { ...line, err: call.cause } : line, msg);
  }
  const level = OPS_PATHS.has(entry.path) ? "debug" : "info";
  if (enabled && lines.enabled(level)) lines.write(level, accessFields(entry), msg);
}

/** The line's fields as JSON object members, in a fixed order; absent values are left out. */
function accessFields(entry: AccessEntry): string {
  const r = entry.call.record;
  const rpcCode = entry.call.rpcCode;
  let f = `"request_id":${q(r.requestId)},"surface":${q(r.surface)},"method":${q(boundedText(entry.method))},"path":${q(boundedText(entry.path))},"status":${entry.status}`;
  if (rpcCode !== undefined) f += `,"rpc_code":${q(rpcCode)}`;
  f += `,"ms":${twoDecimals(Math.round((performance.now() - entry.startedAt) * 100) / 100)}`;
  if (entry.aborted) f += `,"aborted":true`;
  f += text("operation", r.operation) + text("tenant", r.tenant) + text("key_id", r.keyId);
  f += text("model", r.model === undefined ? undefined : boundedText(r.model)) + text("provider", r.provider) + text("provider_model", r.providerModel);
  if (r.stream !== undefined) f += `,"stream":${r.stream}`;
  f += num("attempts", r.attempts) + (r.upstreamMs === undefined || !Number.isFinite(r.upstreamMs) ? num("upstream_ms", r.upstreamMs) : `,"upstream_ms":${twoDecimals(r.upstreamMs)}`) + num("input_tokens", r.inputTokens) + num("output_tokens", r.outputTokens);
  f += num("cost_usd", r.costUsd) + text("cache", r.cache);
  if (r.route) f += `,"route_by":${q(r.route.by)},"route_reason":${q(r.route.reason)},"route_module_version":${r.route.moduleVersion}`;
  f += text("guard", r.guard);
  if (r.errorCode !== undefined) f += `,"error_code":${q(r.errorCode)}` + text("error", r.errorMessage === undefined ? undefined : boundedText(r.errorMessage));
  if (r.trace !== undefined) f += `,"trace_id":"${r.trace.traceId}","span_id":"${r.trace.spanId}"`;
  return f;
}

/**
 * `String(v)` for a number of at most two decimals (a duration in ms, rounded), written from its
 * integer hundredths: V8 turns a fractional double into text through a slow runtime call (~0.8 µs
 * a request in a `perf` profile under load). Anything else goes to `String`.
 */
export function twoDecimals(v: number): string {
  const h = Math.round(v * 100);
  if (!(h >= 0 && h < 1e12) || h / 100 !== v) return String(v);
  const whole = Math.floor(h / 100);
  const frac = h - whole * 100;
  if (frac === 0) return String(whole);
  return frac % 10 === 0 ? `${whole}.${frac / 10}` : `${whole}.${frac < 10 ? "0" : ""}${frac}`;
}

const q = JSON.stringify;
const text = (key: string, value: string | undefined) => (value === undefined ? "" : `,"${key}":${q(value)}`);
// Non-finite numbers are null in JSON, as JSON.stringify writes them.
const num = (key: string, value: number | undefined) => (value === undefined ? "" : `,"${key}":${Number.isFinite(value) ? value : null}`);
