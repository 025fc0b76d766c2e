import { FinishReason, Role, type ChatChunk, type ToolCallDelta } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { newChunk, newToolCallDelta } from "../../core/canonical.js";
import { readSse } from "../../upstream/sse.js";
import { fromAnthropicStreamError } from "./errors.js";
import { fromAnthropicStopReason, fromAnthropicUsage, mergeAnthropicUsage, type AnthropicContentBlock, type AnthropicUsage } from "./wire.js";

interface AnthropicStreamEvent {
  type?: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: AnthropicUsage };
  content_block?: AnthropicContentBlock;
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; signature?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

/** What a content block (by its stream index) turned out to be. */
type BlockState = { kind: "text" } | { kind: "thinking" } | { kind: "tool"; toolIndex: number; argsSent: boolean; input: unknown } | { kind: "other" };

/**
 * An Anthropic Messages SSE stream -> canonical chunks.
 * - The role goes on the first chunk that carries content, not on `message_start`: an error
 *   event that arrives before any content is then still a clean, retryable failure.
 * - `tool_use` blocks become tool calls numbered in order of appearance; `input_json_delta`
 *   pieces are passed on as argument deltas. Server-side tool blocks (`server_tool_use`, web
 *   search results) are Anthropic's own business and are not the client's tool calls.
 * - Thinking is passed as reasoning deltas only with `passReasoning`, with its signature
 *   (`signature_delta`) so that a client can send the thinking back in a later turn.
 * - Finish reason and usage (message_start merged with message_delta) go on one last chunk
 *   at `message_stop`; a stream that ends without it was cut.
 */
export async function* fromAnthropicStream(providerId: string, body: AsyncIterable<Uint8Array>, passReasoning: boolean): AsyncGenerator<ChatChunk> {
  let id = "";
  let model = "";
  // Anthropic events carry no timestamp: the answer is stamped when it starts arriving.
  const created = BigInt(Math.floor(Date.now() / 1000));
  let usage: AnthropicUsage = {};
  let finishReason = FinishReason.UNSPECIFIED;
  let sentContent = false;
  let nextToolIndex = 0;
  const blocks = new Map<number, BlockState>();

  const chunk = (init: { textDelta?: string; reasoningDelta?: string; reasoningSignature?: string; toolCallDeltas?: ToolCallDelta[] }): ChatChunk => {
    const role = sentContent ? Role.UNSPECIFIED : Role.ASSISTANT;
    sentContent = true;
    return newChunk({ id, created, model, role, ...init });
  };
  const fail = (message: string) => new SluiceError(sentContent ? "stream_interrupted" : "upstream_unavailable", `${providerId}: ${message}`);

  for await (const events of readSse(body, { source: providerId })) {
    for (const sse of events) {
      if (sse.data === "") continue;
      let event: AnthropicStreamEvent;
      try {
        event = JSON.parse(sse.data) as AnthropicStreamEvent;
      } catch {
        throw fail("stream sent an event that is not JSON");
      }
      switch (event.type) {
        case "message_start":
          id = event.message?.id ?? "";
          model = event.message?.model ?? "";
          usage = mergeAnthropicUsage(usage, event.message?.usage);
          break;
        case "content_block_start": {
          const block = event.content_block ?? {};
          const index = event.index ?? 0;
          if (block.type === "text") {
            blocks.set(index, { kind: "text" });
            if (block.text) yield chunk({ textDelta: block.text });
          } else if (block.type === "thinking") {
            blocks.set(index, { kind: "thinking" });
            if (passReasoning && block.thinking) yield chunk({ reasoningDelta: block.thinking });
          } else if (block.type === "tool_use") {
            const toolIndex = nextToolIndex++;
            blocks.set(index, { kind: "tool", toolIndex, argsSent: false, input: block.input });
            yield chunk({ toolCallDeltas: [newToolCallDelta({ index: toolIndex, id: block.id ?? "", name: block.name ?? "" })] });
          } else {
            blocks.set(index, { kind: "other" });
          }
          break;
        }
        case "content_block_delta": {
          const block = blocks.get(event.index ?? 0);
          const delta = event.delta ?? {};
          if (delta.type === "text_delta" && block?.kind === "text" && delta.text) yield chunk({ textDelta: delta.text });
          else if (delta.type === "thinking_delta" && block?.kind === "thinking" && passReasoning && delta.thinking) yield chunk({ reasoningDelta: delta.thinking });
          else if (delta.type === "signature_delta" && block?.kind === "thinking" && passReasoning && delta.signature) yield chunk({ reasoningSignature: delta.signature });
          else if (delta.type === "input_json_delta" && block?.kind === "tool" && delta.partial_json) {
            block.argsSent = true;
            yield chunk({ toolCallDeltas: [newToolCallDelta({ index: block.toolIndex, argumentsDelta: delta.partial_json })] });
          }
          break;
        }
        case "content_block_stop": {
          // A tool called without arguments streams no JSON at all; callers still need valid JSON.
          const block = blocks.get(event.index ?? 0);
          if (block?.kind === "tool" && !block.argsSent) {
            block.argsSent = true;
            yield chunk({ toolCallDeltas: [newToolCallDelta({ index: block.toolIndex, argumentsDelta: JSON.stringify(block.input ?? {}) })] });
          }
          break;
        }
        case "message_delta":
          if (event.delta?.stop_reason) finishReason = fromAnthropicStopReason(event.delta.stop_reason);
          usage = mergeAnthropicUsage(usage, event.usage);
          break;
        case "message_stop":
          yield newChunk({
            id,
            created,
            model,
            role: sentContent ? Role.UNSPECIFIED : Role.ASSISTANT,
            finishReason: finishReason || FinishReason.STOP,
            usage: fromAnthropicUsage(usage),
          });
          return;
        case "error":
          throw fromAnthropicStreamError(providerId, event, sentContent);
        default:
          // `ping` and event types added after this adapter was written.
          break;
      }
    }
  }
  throw fail("stream ended before message_stop");
}
