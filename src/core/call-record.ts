import { randomUUID } from "node:crypto";
import type { RequestTrace } from "./trace.js";

/**
 * What one call did, for its access-log line: the surface makes it when the call arrives (with
 * the request id), the pipeline fills in who called, what was asked, who answered and what it
 * cost, and the surface writes it out once when the response has ended. Ids, counts, codes and
 * timings only: never prompt or answer text, and caller-chosen strings only bounded.
 */
export interface CallRecord {
  readonly requestId: string;
  /** "rest", "anthropic" (`/v1/messages`), "grpc", "grpc-web", "connect", or "internal" for the gateway's own calls. */
  readonly surface: string;
  /** The pipeline operation ("chat", "embed", "count_tokens", "list_models"), once one runs. */
  operation?: string;
  tenant?: string;
  keyId?: string;
  /** The model name the caller asked for (as sent, cut to a bounded length). */
  model?: string;
  provider?: string;
  providerModel?: string;
  stream?: boolean;
  attempts?: number;
  upstreamMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  cache?: string;
  route?: { by: string; reason: string; moduleVersion: number | null };
  /** The guard slot's decision: "flagged:<label>", "logged:<label>", "blocked:<label>" (label
   *  "canary_leak" for a leaked system prompt), or "skipped" (module failed open). */
  guard?: string;
  /** The catalog code the call failed with, and its message. */
  errorCode?: string;
  errorMessage?: string;
  /** The request's trace when tracing is on (set by the server; the pipeline adds phases and attempts to it). */
  trace?: RequestTrace;
}

/** Longest caller-chosen string a record keeps (model names); the rest is cut. */
const MAX_RECORDED_CHARS = 200;

/**
 * Every member present from the start (undefined until filled in): the pipeline fills them in a
 * different order per outcome, and records of one shape keep the access log's and settle's
 * property reads monomorphic.
 */
export function newCallRecord(surface: string, requestId: string = randomUUID()): CallRecord {
  return {
    requestId,
    surface,
    operation: undefined,
    tenant: undefined,
    keyId: undefined,
    model: undefined,
    provider: undefined,
    providerModel: undefined,
    stream: undefined,
    attempts: undefined,
    upstreamMs: undefined,
    inputTokens: undefined,
    outputTokens: undefined,
    costUsd: undefined,
    cache: undefined,
    route: undefined,
    guard: undefined,
    errorCode: undefined,
    errorMessage: undefined,
    trace: undefined,
  };
}

/** A caller-chosen string as a record may keep it: bounded, so a hostile value cannot grow logs. */
export function boundedText(text: string): string {
  return text.length <= MAX_RECORDED_CHARS ? text : `${text.slice(0, MAX_RECORDED_CHARS)}…`;
}
