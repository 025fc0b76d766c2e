import { codeFromString, codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { boundedText } from "../../core/call-record.js";
import type { Logger } from "../../core/logger.js";
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
 */
export function writeAccessLog(log: Logger, enabled: boolean, entry: AccessEntry): void {
  const { call, status } = entry;
  const r = call.record;
  const rpcCode = call.rpcCode;
  const failed = r.errorCode !== undefined || status >= 400 || (rpcCode !== undefined && rpcCode !== "ok");
  // The HTTP status the failure amounts to: gRPC and Connect streams answer 200 whatever happens.
  const code = rpcCode === undefined || rpcCode === "ok" ? undefined : codeFromString(rpcCode);
  const effective = code === undefined ? status : Math.max(status, codeToHttpStatus(code));
  const serious = effective >= 500 || r.errorCode === "internal";
  if (!serious && !enabled) return;

  const line = {
    request_id: r.requestId,
    surface: r.surface,
    method: boundedText(entry.method),
    path: boundedText(entry.path),
    status,
    ...(rpcCode !== undefined ? { rpc_code: rpcCode } : {}),
    ms: Math.round((performance.now() - entry.startedAt) * 100) / 100,
    ...(entry.aborted ? { aborted: true } : {}),
    operation: r.operation,
    tenant: r.tenant,
    key_id: r.keyId,
    model: r.model === undefined ? undefined : boundedText(r.model),
    provider: r.provider,
    provider_model: r.providerModel,
    stream: r.stream,
    attempts: r.attempts,
    upstream_ms: r.upstreamMs,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cost_usd: r.costUsd,
    cache: r.cache,
    ...(r.route ? { route_by: r.route.by, route_reason: r.route.reason, route_module_version: r.route.moduleVersion } : {}),
    ...(r.guard ? { guard: r.guard } : {}),
    ...(r.errorCode !== undefined ? { error_code: r.errorCode, error: r.errorMessage === undefined ? undefined : boundedText(r.errorMessage) } : {}),
  };
  if (serious) log.warn(call.cause !== undefined ? { ...line, err: call.cause } : line, failed ? "request failed" : "request");
  else if (OPS_PATHS.has(entry.path)) log.debug(line, failed ? "request failed" : "request");
  else log.info(line, failed ? "request failed" : "request");
}
