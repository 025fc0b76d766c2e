import { Role, type ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { newChunk, newToolCallDelta } from "../../core/canonical.js";
import { createdSeconds, fromOpenAIFinishReason, fromOpenAIUsage, type OpenAIToolCallWire, type OpenAIUsage } from "./wire.js";

interface OpenAICompletion {
  id?: string;
  created?: number;
  model?: string;
  choices?: Array<{
    message?: { content?: string | null; refusal?: string | null; reasoning_content?: string | null; tool_calls?: OpenAIToolCallWire[] | null };
    finish_reason?: string | null;
  }>;
  usage?: OpenAIUsage | null;
}

/** A whole (non-streamed) chat completion -> one canonical chunk holding the whole answer. */
export function fromOpenAICompletion(body: unknown, passReasoning: boolean): ChatChunk {
  const c = body as OpenAICompletion;
  const choice = c.choices?.[0];
  const message = choice?.message;
  return newChunk({
    id: c.id ?? "",
    created: createdSeconds(c.created),
    model: c.model ?? "",
    role: Role.ASSISTANT,
    textDelta: message?.content ?? "",
    refusalDelta: message?.refusal ?? "",
    reasoningDelta: passReasoning ? (message?.reasoning_content ?? "") : "",
    toolCallDeltas: (message?.tool_calls ?? []).map((call, i) =>
      newToolCallDelta({ index: i, id: call.id ?? "", name: call.function?.name ?? "", argumentsDelta: call.function?.arguments ?? "" }),
    ),
    finishReason: fromOpenAIFinishReason(choice?.finish_reason),
    usage: c.usage ? fromOpenAIUsage(c.usage) : undefined,
  });
}
