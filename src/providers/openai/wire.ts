import { FinishReason, type Usage } from "../../gen/sluice/v1/gateway_pb.js";
import { newUsage } from "../../core/canonical.js";

/** The parts of OpenAI's chat-completions wire format that responses and streams share. */

export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export interface OpenAIToolCallWire {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

const finishReasons: Record<string, FinishReason> = {
  stop: FinishReason.STOP,
  length: FinishReason.LENGTH,
  tool_calls: FinishReason.TOOL_CALLS,
  function_call: FinishReason.TOOL_CALLS,
  content_filter: FinishReason.CONTENT_FILTER,
};

export function fromOpenAIFinishReason(reason: string | null | undefined): FinishReason {
  if (!reason) return FinishReason.UNSPECIFIED;
  return finishReasons[reason] ?? FinishReason.STOP;
}

/** OpenAI's usage is already the canonical rule: cached tokens are part of prompt tokens. */
export function fromOpenAIUsage(u: OpenAIUsage): Usage {
  return newUsage({
    inputTokens: u.prompt_tokens ?? 0,
    outputTokens: u.completion_tokens ?? 0,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  });
}

/** `created` as int64 seconds; a missing or odd value becomes now. */
export function createdSeconds(value: unknown): bigint {
  return BigInt(typeof value === "number" && Number.isFinite(value) ? Math.floor(value) : Math.floor(Date.now() / 1000));
}
