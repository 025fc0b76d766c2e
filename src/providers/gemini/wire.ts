import { FinishReason, type Usage } from "../../gen/sluice/v1/gateway_pb.js";
import { newUsage } from "../../core/canonical.js";

/** The parts of Gemini's generateContent wire format that whole answers and streams share. */

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export interface GeminiPartialArg {
  jsonPath?: string;
  stringValue?: string;
  numberValue?: number;
  boolValue?: boolean;
  nullValue?: unknown;
  willContinue?: boolean;
}

export interface GeminiFunctionCall {
  id?: string;
  name?: string;
  args?: unknown;
  /** Vertex `streamFunctionCallArguments`: arguments arrive as JSON-path pieces. */
  partialArgs?: GeminiPartialArg[];
  willContinue?: boolean;
}

interface GeminiPart {
  text?: string;
  thought?: boolean;
  functionCall?: GeminiFunctionCall;
  functionResponse?: { id?: string; name?: string };
}

interface GeminiCandidate {
  content?: { parts?: GeminiPart[]; role?: string };
  finishReason?: string;
}

export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  error?: GeminiError;
}

export interface GeminiError {
  code?: number;
  message?: string;
  status?: string;
}

const finishReasons: Record<string, FinishReason> = {
  STOP: FinishReason.STOP,
  MAX_TOKENS: FinishReason.LENGTH,
  SAFETY: FinishReason.CONTENT_FILTER,
  RECITATION: FinishReason.CONTENT_FILTER,
  BLOCKLIST: FinishReason.CONTENT_FILTER,
  PROHIBITED_CONTENT: FinishReason.CONTENT_FILTER,
  SPII: FinishReason.CONTENT_FILTER,
  IMAGE_SAFETY: FinishReason.CONTENT_FILTER,
};

/** Unknown reasons (OTHER, MALFORMED_FUNCTION_CALL, LANGUAGE, ...) end the answer as STOP. */
export function fromGeminiFinishReason(reason: string | undefined): FinishReason {
  if (!reason || reason === "FINISH_REASON_UNSPECIFIED") return FinishReason.UNSPECIFIED;
  return finishReasons[reason] ?? FinishReason.STOP;
}

/**
 * Gemini's promptTokenCount already includes cachedContentTokenCount (the canonical rule), but
 * candidatesTokenCount leaves out the thinking tokens, which are billed as output:
 * inputTokens = promptTokenCount, cachedInputTokens = cachedContentTokenCount,
 * outputTokens = candidatesTokenCount + thoughtsTokenCount, reasoningTokens = thoughtsTokenCount.
 */
export function fromGeminiUsage(u: GeminiUsageMetadata): Usage {
  const thoughts = u.thoughtsTokenCount ?? 0;
  return newUsage({
    inputTokens: u.promptTokenCount ?? 0,
    outputTokens: (u.candidatesTokenCount ?? 0) + thoughts,
    cachedInputTokens: u.cachedContentTokenCount ?? 0,
    reasoningTokens: thoughts,
  });
}
