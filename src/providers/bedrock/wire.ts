import { FinishReason, type Usage } from "../../gen/sluice/v1/gateway_pb.js";
import { newUsage } from "../../core/canonical.js";

/** The parts of Bedrock's Converse wire format that the unary and the streamed answers share. */

export interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

interface ConverseToolUse {
  toolUseId?: string;
  name?: string;
  input?: unknown;
}

export interface ConverseContentBlock {
  text?: string;
  toolUse?: ConverseToolUse;
  reasoningContent?: { reasoningText?: { text?: string; signature?: string }; redactedContent?: string };
}

const stopReasons: Record<string, FinishReason> = {
  end_turn: FinishReason.STOP,
  stop_sequence: FinishReason.STOP,
  max_tokens: FinishReason.LENGTH,
  model_context_window_exceeded: FinishReason.LENGTH,
  tool_use: FinishReason.TOOL_CALLS,
  guardrail_intervened: FinishReason.CONTENT_FILTER,
  content_filtered: FinishReason.CONTENT_FILTER,
};

/** Converse `stopReason` -> canonical; an unknown reason still ends the answer (STOP). */
export function fromConverseStopReason(reason: string | undefined): FinishReason {
  return (reason && stopReasons[reason]) || FinishReason.STOP;
}

/**
 * Converse usage -> canonical. Bedrock reports `inputTokens` WITHOUT the prompt-cache tokens
 * (`cacheReadInputTokens` and `cacheWriteInputTokens` come beside it, and `totalTokens` is the
 * sum of all four), like Anthropic and unlike OpenAI. The canonical rule is OpenAI's (input
 * includes cached), so: input = inputTokens + cacheRead + cacheWrite, cachedInput = cacheRead,
 * cacheWrite = cacheWrite. Reasoning tokens are not broken out of outputTokens by Bedrock.
 */
export function fromConverseUsage(u: ConverseUsage): Usage {
  const cacheRead = u.cacheReadInputTokens ?? 0;
  const cacheWrite = u.cacheWriteInputTokens ?? 0;
  return newUsage({
    inputTokens: (u.inputTokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: u.outputTokens ?? 0,
    cachedInputTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  });
}

/** A tool call's input (a JSON value on the wire) as the canonical JSON text. */
export function toolInputJson(input: unknown): string {
  return input === undefined || input === null ? "{}" : JSON.stringify(input);
}
