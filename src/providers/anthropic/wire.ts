import { FinishReason, type Usage } from "../../gen/sluice/v1/gateway_pb.js";
import { newUsage } from "../../core/canonical.js";

/**
 * The parts of Anthropic's Messages wire format that whole answers and streams share, in both
 * directions: the provider adapter reads them from Anthropic, the Anthropic-compatible surface
 * (src/server/rest/anthropic) writes them to its clients.
 */

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

export interface AnthropicContentBlock {
  type?: string;
  text?: string;
  thinking?: string;
  signature?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

const stopReasons: Record<string, FinishReason> = {
  end_turn: FinishReason.STOP,
  stop_sequence: FinishReason.STOP,
  // A server tool loop paused; the answer so far is complete as far as the client can tell.
  pause_turn: FinishReason.STOP,
  max_tokens: FinishReason.LENGTH,
  model_context_window_exceeded: FinishReason.LENGTH,
  tool_use: FinishReason.TOOL_CALLS,
  refusal: FinishReason.REFUSAL,
};

/**
 * Anthropic's error `type`s and the HTTP status each comes with (docs: "Errors"). An error
 * event inside a stream carries only the type, so the adapter looks its status up; the
 * Anthropic-compatible surface answers each type with its status.
 */
export const anthropicErrorStatus = {
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
} as const;

export type AnthropicErrorType = keyof typeof anthropicErrorStatus;

/** Canonical finish reason -> Anthropic `stop_reason` (STOP is `end_turn`: which stop sequence matched is not kept). */
const anthropicStopReasons: Record<FinishReason, string> = {
  [FinishReason.UNSPECIFIED]: "end_turn",
  [FinishReason.STOP]: "end_turn",
  [FinishReason.LENGTH]: "max_tokens",
  [FinishReason.TOOL_CALLS]: "tool_use",
  [FinishReason.CONTENT_FILTER]: "refusal",
  [FinishReason.REFUSAL]: "refusal",
};

export function toAnthropicStopReason(reason: FinishReason): string {
  return anthropicStopReasons[reason] ?? "end_turn";
}

export function fromAnthropicStopReason(reason: string | null | undefined): FinishReason {
  if (!reason) return FinishReason.UNSPECIFIED;
  return stopReasons[reason] ?? FinishReason.STOP;
}

/**
 * Anthropic counts cached tokens OUTSIDE `input_tokens`; the canonical rule (OpenAI's) counts
 * them inside. So: inputTokens = input_tokens + cache_read_input_tokens +
 * cache_creation_input_tokens, cachedInputTokens = cache_read_input_tokens, cacheWriteTokens =
 * cache_creation_input_tokens, outputTokens = output_tokens (thinking included, as Anthropic
 * bills it), reasoningTokens = output_tokens_details.thinking_tokens where reported.
 */
export function fromAnthropicUsage(u: AnthropicUsage): Usage {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  return newUsage({
    inputTokens: (u.input_tokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: u.output_tokens ?? 0,
    cachedInputTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: u.output_tokens_details?.thinking_tokens ?? 0,
  });
}

/** The inverse of `fromAnthropicUsage`: cached input tokens leave `input_tokens` again. */
export function toAnthropicUsage(u: Usage): Required<Omit<AnthropicUsage, "output_tokens_details">> & Pick<AnthropicUsage, "output_tokens_details"> {
  return {
    input_tokens: Math.max(0, u.inputTokens - u.cachedInputTokens - u.cacheWriteTokens),
    output_tokens: u.outputTokens,
    cache_read_input_tokens: u.cachedInputTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
    output_tokens_details: u.reasoningTokens > 0 ? { thinking_tokens: u.reasoningTokens } : null,
  };
}

/**
 * Streams report usage twice: `message_start` (input, a first output count) and
 * `message_delta` (cumulative; newer API versions repeat the input counts there too). Fields
 * present in the later report win, as in Anthropic's own SDK.
 */
export function mergeAnthropicUsage(into: AnthropicUsage, from: AnthropicUsage | null | undefined): AnthropicUsage {
  if (!from) return into;
  const out: AnthropicUsage = { ...into };
  for (const key of ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens_details"] as const) {
    if (from[key] !== undefined && from[key] !== null) (out as Record<string, unknown>)[key] = from[key];
  }
  return out;
}
