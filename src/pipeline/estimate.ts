import type { ChatRequest } from "../gen/sluice/v1/gateway_pb.js";

/**
 * A quick input-token estimate for reservations before dispatch: ~4 characters per token plus
 * OpenAI's per-message overhead. It only sizes a reservation, which the provider's reported
 * usage then corrects; the exact tokenizer slot replaces it where it is wired in.
 */
export function estimateInputTokens(request: ChatRequest): number {
  let chars = 0;
  for (const m of request.messages) {
    for (const part of m.content) if (part.part.case === "text") chars += part.part.value.length;
    for (const call of m.toolCalls) chars += call.name.length + call.argumentsJson.length;
  }
  for (const t of request.tools) chars += t.name.length + t.description.length + t.parametersJson.length;
  return Math.ceil(chars / 4) + 3 * request.messages.length + 3;
}

/** Tokens of answer text when a stream ended without usage (cancelled, broken). */
export function estimateOutputTokens(chars: number): number {
  return Math.ceil(chars / 4);
}
