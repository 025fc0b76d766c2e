import type { ErrorCode } from "../../../errors/catalog.js";
import { asSluiceError, type SluiceError } from "../../../errors/sluice-error.js";
import { anthropicErrorStatus, type AnthropicErrorType } from "../../../providers/anthropic/wire.js";
import { noteError, type ServerCall } from "../../call.js";
import { endResponse, unreadBodyHeaders } from "../../http/respond.js";
import type { HttpRequest, HttpResponse } from "../../http/types.js";
import { sseEvent } from "./messages-response.js";

/**
 * Each catalog code as Anthropic's error `type` and the HTTP status Anthropic answers it with,
 * so an Anthropic SDK raises the error class it would raise against Anthropic itself (and
 * retries what it would retry: 429, 5xx, 529). Where Anthropic has no status of its own for
 * the failure (405, 415, 499), the catalog's stands. Typed over every code: a code added to
 * the catalog does not compile until it has its line here.
 */
const anthropicErrors: Record<ErrorCode, { type: AnthropicErrorType; status?: number }> = {
  policy_blocked: { type: "invalid_request_error" },
  guard_blocked: { type: "invalid_request_error" },
  invalid_request: { type: "invalid_request_error" },
  context_length_exceeded: { type: "invalid_request_error" },
  malformed_body: { type: "invalid_request_error" },
  unsupported_media_type: { type: "invalid_request_error", status: 415 },
  body_too_large: { type: "request_too_large" },
  unauthenticated: { type: "authentication_error" },
  permission_denied: { type: "permission_error" },
  model_not_found: { type: "not_found_error" },
  not_found: { type: "not_found_error" },
  method_not_allowed: { type: "invalid_request_error", status: 405 },
  rate_limited: { type: "rate_limit_error" },
  // A spent budget refills with its period: a rate limit with a retry-after, as on the other surfaces.
  budget_exhausted: { type: "rate_limit_error" },
  upstream_rejected: { type: "invalid_request_error" },
  // Every target failed or is open-circuited: Anthropic's "try again later".
  upstream_unavailable: { type: "overloaded_error" },
  upstream_timeout: { type: "timeout_error" },
  stream_interrupted: { type: "api_error" },
  cancelled: { type: "invalid_request_error", status: 499 },
  unavailable: { type: "overloaded_error" },
  internal: { type: "api_error" },
};

function statusOf(error: SluiceError): number {
  const entry = anthropicErrors[error.code];
  return entry.status ?? anthropicErrorStatus[entry.type];
}

/** Anthropic's error body: `{type: "error", error: {type, message}, request_id}`. */
function errorBody(error: SluiceError, requestId: string): Record<string, unknown> {
  return { type: "error", error: { type: anthropicErrors[error.code].type, message: error.message }, request_id: requestId };
}

/**
 * Any error as Anthropic's error response, with its status and retry-after when known, noted
 * on the call's record for the access log. A body the handler never read is not read now.
 */
export function sendAnthropicError(req: HttpRequest, res: HttpResponse, call: ServerCall, err: unknown): void {
  const error = asSluiceError(err);
  noteError(call, error);
  const body = JSON.stringify(errorBody(error, call.record.requestId));
  const headers: Record<string, string> = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...unreadBodyHeaders(req) };
  if (error.retryAfterS !== undefined) headers["retry-after"] = String(Math.ceil(error.retryAfterS));
  res.writeHead(statusOf(error), headers);
  endResponse(req, res, body);
}

/** An error after a stream has begun: Anthropic's `error` event (its SDKs raise it as an APIError). */
export function errorEvent(error: SluiceError, requestId: string): string {
  return sseEvent("error", errorBody(error, requestId));
}
