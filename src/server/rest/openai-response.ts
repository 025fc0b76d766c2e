import { FinishReason, Role, type ChatChunk, type ChatResponse, type Usage } from "../../gen/sluice/v1/gateway_pb.js";
import { messageText } from "../../core/canonical.js";

/** Canonical answers -> OpenAI chat-completions JSON, in OpenAI's exact shapes. */

const finishReasons: Record<number, string | null> = {
  [FinishReason.UNSPECIFIED]: null,
  [FinishReason.STOP]: "stop",
  [FinishReason.LENGTH]: "length",
  [FinishReason.TOOL_CALLS]: "tool_calls",
  [FinishReason.CONTENT_FILTER]: "content_filter",
  // OpenAI has no refusal reason: it stops and puts the text in `refusal`.
  [FinishReason.REFUSAL]: "stop",
};

function encodeUsage(u: Usage): Record<string, unknown> {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

export function encodeCompletion(r: ChatResponse, fallbackId: string, fallbackModel: string): string {
  const m = r.message;
  const text = m ? messageText(m) : "";
  const message: Record<string, unknown> = {
    role: "assistant",
    content: text === "" && (m?.toolCalls.length || m?.refusal) ? null : text,
    refusal: m?.refusal || null,
  };
  if (m?.reasoning) message.reasoning_content = m.reasoning;
  if (m && m.toolCalls.length > 0) {
    message.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.argumentsJson } }));
  }
  return JSON.stringify({
    id: r.id || fallbackId,
    object: "chat.completion",
    created: Number(r.created),
    model: r.model || fallbackModel,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasons[r.finishReason] ?? "stop" }],
    usage: r.usage ? encodeUsage(r.usage) : null,
  });
}

/**
 * Encodes a chunk stream as OpenAI SSE events. One id and model for the whole stream (the
 * first chunk's), as OpenAI sends; with `include_usage` every chunk carries `"usage": null`
 * and the usage arrives on a last chunk with empty `choices`.
 */
export class ChunkEncoder {
  private id = "";
  private model = "";
  private created = 0;

  constructor(
    private readonly fallbackId: string,
    private readonly fallbackModel: string,
    private readonly includeUsage: boolean,
  ) {}

  /** The SSE event for a chunk, or "" when the chunk has nothing to send. */
  encode(chunk: ChatChunk): string {
    if (this.id === "") {
      this.id = chunk.id || this.fallbackId;
      this.model = chunk.model || this.fallbackModel;
      this.created = Number(chunk.created) || Math.floor(Date.now() / 1000);
    }
    if (chunk.usage || chunk.metadata) {
      if (!this.includeUsage || !chunk.usage) return "";
      return this.event([], encodeUsage(chunk.usage));
    }
    const delta: Record<string, unknown> = {};
    if (chunk.role === Role.ASSISTANT) delta.role = "assistant";
    if (chunk.textDelta !== "" || chunk.role === Role.ASSISTANT) delta.content = chunk.textDelta;
    if (chunk.refusalDelta !== "") delta.refusal = chunk.refusalDelta;
    // Reasoning has no field in OpenAI's chat API; `reasoning_content` is the convention of
    // the compatible servers that stream it (DeepSeek, vLLM). Other clients ignore it.
    if (chunk.reasoningDelta !== "") delta.reasoning_content = chunk.reasoningDelta;
    if (chunk.toolCallDeltas.length > 0) {
      delta.tool_calls = chunk.toolCallDeltas.map((d) =>
        d.id || d.name
          ? { index: d.index, id: d.id, type: "function", function: { name: d.name, arguments: d.argumentsDelta } }
          : { index: d.index, function: { arguments: d.argumentsDelta } },
      );
    }
    const choice = { index: 0, delta, logprobs: null, finish_reason: finishReasons[chunk.finishReason] ?? null };
    return this.event([choice], null);
  }

  private event(choices: unknown[], usage: unknown): string {
    const body: Record<string, unknown> = { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices };
    if (this.includeUsage) body.usage = usage;
    return `data: ${JSON.stringify(body)}\n\n`;
  }
}

export const SSE_DONE = "data: [DONE]\n\n";
