import { SluiceError } from "../../errors/sluice-error.js";
import { parseRetryAfter, upstreamStatusError } from "../../errors/upstream.js";

/**
 * Anthropic's error `type`s and the HTTP status each comes with (docs: "Errors"). An error
 * event inside a stream carries only the type, so the status is looked up to send it through
 * the one status table like any other provider failure.
 */
const statusOfErrorType: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

interface AnthropicErrorBody {
  type?: string;
  error?: { type?: string; message?: string };
}

function parseErrorBody(bodyText: string): AnthropicErrorBody | undefined {
  try {
    const parsed = JSON.parse(bodyText) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as AnthropicErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

/** An Anthropic error response (`{type:"error", error:{type, message}}`) -> catalog error. */
export function fromAnthropicError(providerId: string, status: number, bodyText: string, retryAfter: string | undefined): SluiceError {
  const message = parseErrorBody(bodyText)?.error?.message;
  const retryAfterS = parseRetryAfter(retryAfter);
  return upstreamStatusError(providerId, status, message, retryAfterS);
}

/**
 * An `error` event inside a stream. Before any content reached the caller it is the failure
 * its type maps to (an `overloaded_error` stays retryable, so the gateway can fail over);
 * after, the answer is cut: `stream_interrupted`.
 */
export function fromAnthropicStreamError(providerId: string, data: AnthropicErrorBody, afterContent: boolean): SluiceError {
  const type = data.error?.type ?? "api_error";
  const message = data.error?.message ?? type;
  if (afterContent) return new SluiceError("stream_interrupted", `${providerId}: ${message}`);
  return upstreamStatusError(providerId, statusOfErrorType[type] ?? 500, message);
}
