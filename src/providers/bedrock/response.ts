import { Role, type ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { newChunk, newToolCallDelta } from "../../core/canonical.js";
import { fromConverseStopReason, fromConverseUsage, toolInputJson, type ConverseContentBlock, type ConverseUsage } from "./wire.js";

interface ConverseResponse {
  output?: { message?: { role?: string; content?: ConverseContentBlock[] } };
  stopReason?: string;
  usage?: ConverseUsage;
}

/** A whole Converse answer -> one canonical chunk holding the whole answer. */
export function fromConverseResponse(body: unknown, model: string, passReasoning: boolean, id = ""): ChatChunk {
  const r = body as ConverseResponse;
  let text = "";
  let reasoning = "";
  const calls: ChatChunk["toolCallDeltas"] = [];
  for (const block of r.output?.message?.content ?? []) {
    if (typeof block.text === "string") text += block.text;
    else if (block.toolUse) {
      calls.push(
        newToolCallDelta({
          index: calls.length,
          id: block.toolUse.toolUseId ?? "",
          name: block.toolUse.name ?? "",
          argumentsDelta: toolInputJson(block.toolUse.input),
        }),
      );
    } else if (passReasoning && block.reasoningContent?.reasoningText?.text) reasoning += block.reasoningContent.reasoningText.text;
  }
  return newChunk({
    id,
    created: BigInt(Math.floor(Date.now() / 1000)),
    model,
    role: Role.ASSISTANT,
    textDelta: text,
    reasoningDelta: reasoning,
    toolCallDeltas: calls,
    finishReason: fromConverseStopReason(r.stopReason),
    usage: r.usage ? fromConverseUsage(r.usage) : undefined,
  });
}
