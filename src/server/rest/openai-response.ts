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
 *
 * The members every event shares (id, object, created, model) are serialized once per stream
 * and each event writes only its choice: the same bytes `JSON.stringify` of the whole event
 * gives (the unit tests compare them), for about half its cost per chunk.
 */
export class ChunkEncoder {
  /** `data: {"id":…,"object":…,"created":…,"model":…,"choices":`, set by the first chunk. */
  private head = "";
  /** What closes an event after its choices: the usage member when asked for, the brace, the blank line. */
  private readonly tail: string;

  constructor(
    private readonly fallbackId: string,
    private readonly fallbackModel: string,
    private readonly includeUsage: boolean,
  ) {
    this.tail = includeUsage ? ',"usage":null}\n\n' : "}\n\n";
  }

  /** The SSE event for a chunk, or "" when the chunk has nothing to send. */
  encode(chunk: ChatChunk): string {
    if (this.head === "") {
      const shared = JSON.stringify({
        id: chunk.id || this.fallbackId,
        object: "chat.completion.chunk",
        created: Number(chunk.created) || Math.floor(Date.now() / 1000),
        model: chunk.model || this.fallbackModel,
      });
      this.head = `data: ${shared.slice(0, -1)},"choices":`;
    }
    if (chunk.usage || chunk.metadata) {
      if (!this.includeUsage || !chunk.usage) return "";
      return `${this.head}[],"usage":${JSON.stringify(encodeUsage(chunk.usage))}}\n\n`;
    }
    // The delta's members in OpenAI's order; absent ones left out.
    let delta = "";
    if (chunk.role === Role.ASSISTANT) delta = '"role":"assistant"';
    if (chunk.textDelta !== "" || chunk.role === Role.ASSISTANT) delta += `${delta && ","}"content":${JSON.stringify(chunk.textDelta)}`;
    if (chunk.refusalDelta !== "") delta += `${delta && ","}"refusal":${JSON.stringify(chunk.refusalDelta)}`;
    // Reasoning has no field in OpenAI's chat API; `reasoning_content` is the convention of
    // the compatible servers that stream it (DeepSeek, vLLM). Other clients ignore it.
    if (chunk.reasoningDelta !== "") delta += `${delta && ","}"reasoning_content":${JSON.stringify(chunk.reasoningDelta)}`;
    if (chunk.toolCallDeltas.length > 0) {
      const calls = chunk.toolCallDeltas.map((d) =>
        d.id || d.name
          ? { index: d.index, id: d.id, type: "function", function: { name: d.name, arguments: d.argumentsDelta } }
          : { index: d.index, function: { arguments: d.argumentsDelta } },
      );
      delta += `${delta && ","}"tool_calls":${JSON.stringify(calls)}`;
    }
    const finish = finishReasons[chunk.finishReason];
    return `${this.head}[{"index":0,"delta":{${delta}},"logprobs":null,"finish_reason":${finish ? `"${finish}"` : "null"}}]${this.tail}`;
  }
}

export const SSE_DONE = "data: [DONE]\n\n";
