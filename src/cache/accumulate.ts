import { create } from "@bufbuild/protobuf";
import {
  ChatResponseSchema,
  ContentPartSchema,
  FinishReason,
  MessageSchema,
  Role,
  ToolCallSchema,
  type ChatChunk,
  type ChatResponse,
} from "../gen/sluice/v1/gateway_pb.js";

/**
 * Rebuilds a complete ChatResponse from a streamed answer, so a streamed answer can be cached.
 * `result()` is undefined unless the stream reached a finish reason: an answer that failed
 * midway is never stored.
 */
export class ChunkAccumulator {
  private text = "";
  private refusal = "";
  private readonly calls: { id: string; name: string; args: string }[] = [];
  private head: ChatChunk | undefined;
  private last: ChatChunk | undefined;
  private finish = FinishReason.UNSPECIFIED;

  push(chunk: ChatChunk): void {
    this.head ??= chunk;
    this.last = chunk;
    this.text += chunk.textDelta;
    this.refusal += chunk.refusalDelta;
    for (const d of chunk.toolCallDeltas) {
      const call = (this.calls[d.index] ??= { id: "", name: "", args: "" });
      if (d.id) call.id = d.id;
      if (d.name) call.name = d.name;
      call.args += d.argumentsDelta;
    }
    if (chunk.finishReason !== FinishReason.UNSPECIFIED) this.finish = chunk.finishReason;
  }

  result(): ChatResponse | undefined {
    if (!this.head || this.finish === FinishReason.UNSPECIFIED) return undefined;
    const message = create(MessageSchema, {
      role: Role.ASSISTANT,
      content: this.text ? [create(ContentPartSchema, { part: { case: "text", value: this.text } })] : [],
      refusal: this.refusal,
      toolCalls: this.calls.filter(Boolean).map((c) => create(ToolCallSchema, { id: c.id, name: c.name, argumentsJson: c.args })),
    });
    const out = create(ChatResponseSchema, { id: this.head.id, created: this.head.created, model: this.head.model, message, finishReason: this.finish });
    if (this.last?.usage) out.usage = this.last.usage;
    if (this.last?.metadata) out.metadata = this.last.metadata;
    return out;
  }
}
