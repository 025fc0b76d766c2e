import { SluiceError } from "../../errors/sluice-error.js";
import { parseRetryAfter, upstreamStatusError } from "../../errors/upstream.js";
import { anthropicErrorStatus } from "./wire.js";

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
  // The status its type comes with, sent through the one status table like any other provider failure.
  const status = (anthropicErrorStatus as Record<string, number>)[type] ?? 500;
  return upstreamStatusError(providerId, status, message);
}
