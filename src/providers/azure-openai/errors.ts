import type { SluiceError } from "../../errors/sluice-error.js";
import { parseRetryAfter, upstreamStatusError } from "../../errors/upstream.js";
import { fromOpenAIError } from "../openai/errors.js";

interface AzureErrorBody {
  error?: {
    code?: string;
    message?: string;
    innererror?: { code?: string; content_filter_result?: Record<string, { filtered?: boolean; detected?: boolean }> };
  };
}

/**
 * An Azure OpenAI error answer -> catalog error. Azure's body is OpenAI's shape plus
 * `code` and `innererror`; a prompt refused by the content filter comes as 400 with
 * `code: "content_filter"` and `innererror.content_filter_result` saying which categories
 * fired, which the message names (the client's prompt was the problem: it should know why).
 * 429s say how long to wait in `retry-after-ms` (preferred: finer) and `retry-after` (seconds).
 */
export function fromAzureError(
  providerId: string,
  status: number,
  bodyText: string,
  headers: { retryAfter?: string; retryAfterMs?: string },
): SluiceError {
  const retryAfter = retryAfterSeconds(headers);
  let parsed: AzureErrorBody | undefined;
  try {
    parsed = JSON.parse(bodyText) as AzureErrorBody;
  } catch {
    parsed = undefined;
  }
  const error = parsed?.error;
  const filter = error?.innererror?.content_filter_result;
  if (error && (error.code === "content_filter" || filter)) {
    const fired = Object.entries(filter ?? {})
      .filter(([, r]) => r?.filtered === true)
      .map(([category]) => category);
    const why = fired.length > 0 ? ` (content filter: ${fired.join(", ")})` : " (content filter)";
    return upstreamStatusError(providerId, status, `${error.message ?? "the request was filtered"}${why}`, retryAfter);
  }
  return fromOpenAIError(providerId, status, bodyText, retryAfter === undefined ? undefined : String(retryAfter));
}

function retryAfterSeconds(headers: { retryAfter?: string; retryAfterMs?: string }): number | undefined {
  const ms = parseRetryAfter(headers.retryAfterMs);
  if (ms !== undefined) return ms / 1000;
  return parseRetryAfter(headers.retryAfter);
  return undefined;
}
