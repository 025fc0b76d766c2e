import { SluiceError } from "../../errors/sluice-error.js";
import { parseRetryAfter, upstreamStatusError } from "../../errors/upstream.js";
import type { GeminiError } from "./wire.js";

/** google.rpc status names and the HTTP status each maps to, for errors that carry no code. */
const httpOfStatus: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

function parseError(bodyText: string): GeminiError | undefined {
  try {
    const parsed = JSON.parse(bodyText) as unknown;
    // Error bodies are `{error:{...}}`; a streamed call's error body may be `[{error:{...}}]`.
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    return (first as { error?: GeminiError } | undefined)?.error;
  } catch {
    return undefined;
  }
}

/** A Gemini error response (`{error:{code, message, status}}`) -> catalog error. */
export function fromGeminiError(providerId: string, status: number, bodyText: string, retryAfter: string | undefined): SluiceError {
  const retryAfterS = parseRetryAfter(retryAfter);
  return upstreamStatusError(providerId, status, parseError(bodyText)?.message, retryAfterS);
}

/**
 * An in-band error (`{"error": {...}}` as a stream event, a bare JSON object at the end of a
 * stream, or the body of a 200): before any content the failure it maps to, after it
 * `stream_interrupted`.
 */
export function fromGeminiInBandError(providerId: string, error: GeminiError, afterContent: boolean): SluiceError {
  const message = error.message ?? error.status ?? "error";
  if (afterContent) return new SluiceError("stream_interrupted", `${providerId}: ${message}`);
  const status = typeof error.code === "number" && error.code >= 400 ? error.code : (httpOfStatus[error.status ?? ""] ?? 500);
  return upstreamStatusError(providerId, status, message);
}

/** Reads the captured bare-JSON tail of a stream: the error it holds, or a generic one. */
export function fromGeminiBareTail(providerId: string, tail: string, afterContent: boolean): SluiceError {
  const error = parseError(tail);
  if (error) return fromGeminiInBandError(providerId, error, afterContent);
  return new SluiceError(afterContent ? "stream_interrupted" : "upstream_unavailable", `${providerId}: stream ended with text that is not an event`);
}
