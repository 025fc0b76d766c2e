import { Role, type ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { newChunk, newToolCallDelta } from "../../core/canonical.js";
import { fromAnthropicStopReason, fromAnthropicUsage, type AnthropicContentBlock, type AnthropicUsage } from "./wire.js";

interface AnthropicMessage {
  id?: string;
  model?: string;
  content?: AnthropicContentBlock[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

/**
 * A whole (non-streamed) Anthropic message -> one canonical chunk holding the whole answer.
 * Same choices as the stream decoder: only `tool_use` blocks are the client's tool calls,
 * thinking is reasoning only when passed, other block types are not the client's.
 */
export function fromAnthropicMessage(body: unknown, passReasoning: boolean): ChatChunk {
  const m = body as AnthropicMessage;
  let text = "";
  let reasoning = "";
  let reasoningSignature = "";
  const calls = [];
  for (const block of m.content ?? []) {
    if (block.type === "text") text += block.text ?? "";
    else if (block.type === "thinking" && passReasoning) {
      reasoning += block.thinking ?? "";
      if (block.signature) reasoningSignature = block.signature;
    }
    else if (block.type === "tool_use") {
      calls.push(newToolCallDelta({ index: calls.length, id: block.id ?? "", name: block.name ?? "", argumentsDelta: JSON.stringify(block.input ?? {}) }));
    }
  }
  return newChunk({
    id: m.id ?? "",
    // Anthropic messages carry no timestamp: the answer is stamped when it arrives.
    created: BigInt(Math.floor(Date.now() / 1000)),
    model: m.model ?? "",
    role: Role.ASSISTANT,
    textDelta: text,
    reasoningDelta: reasoning,
    reasoningSignature,
    toolCallDeltas: calls,
    finishReason: fromAnthropicStopReason(m.stop_reason ?? "end_turn"),
    usage: m.usage ? fromAnthropicUsage(m.usage) : undefined,
  });
}
