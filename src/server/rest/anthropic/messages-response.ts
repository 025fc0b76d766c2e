import { FinishReason, type ChatChunk, type ChatResponse, type Usage } from "../../../gen/sluice/v1/gateway_pb.js";
import { messageText, newChunk, newUsage } from "../../../core/canonical.js";
import { toAnthropicStopReason, toAnthropicUsage } from "../../../providers/anthropic/wire.js";

/** Canonical answers -> Anthropic Messages JSON and SSE events, in Anthropic's exact shapes. */

/** A tool call's arguments as the `input` object Anthropic clients expect (a model's broken JSON becomes `{}`). */
function toolInput(argumentsJson: string): unknown {
  if (argumentsJson === "") return {};
  try {
    const input = JSON.parse(argumentsJson) as unknown;
    return input !== null && typeof input === "object" && !Array.isArray(input) ? input : {};
  } catch {
    return {};
  }
}

function usageJson(u: Usage | undefined): Record<string, unknown> {
  const { output_tokens_details, ...counts } = toAnthropicUsage(u ?? ZERO_USAGE);
  return output_tokens_details ? { ...counts, output_tokens_details } : counts;
}

const ZERO_USAGE = newUsage({});

/**
 * A whole answer as Anthropic's `message`: thinking first (with its signature), then the text
 * (a refusal's text too: Anthropic has no refusal field, only the `refusal` stop reason), then
 * one `tool_use` block per tool call.
 */
export function encodeMessage(r: ChatResponse, fallbackId: string, fallbackModel: string): string {
  const m = r.message;
  const content: Array<Record<string, unknown>> = [];
  if (m?.reasoning) content.push({ type: "thinking", thinking: m.reasoning, signature: m.reasoningSignature });
  const text = (m ? messageText(m) : "") + (m?.refusal ?? "");
  if (text !== "") content.push({ type: "text", text });
  for (const call of m?.toolCalls ?? []) content.push({ type: "tool_use", id: call.id, name: call.name, input: toolInput(call.argumentsJson) });
  return JSON.stringify({
    id: r.id || fallbackId,
    type: "message",
    role: "assistant",
    model: r.model || fallbackModel,
    content,
    stop_reason: toAnthropicStopReason(r.finishReason),
    stop_sequence: null,
    usage: usageJson(r.usage),
  });
}

export function sseEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

type OpenBlock = { kind: "thinking" | "text"; index: number } | { kind: "tool"; index: number; toolIndex: number };

/**
 * Encodes a canonical chunk stream as Anthropic's event sequence: `message_start` and a
 * `ping`, then for each content block `content_block_start`, its deltas and
 * `content_block_stop` (thinking -> `thinking_delta` and `signature_delta`, text ->
 * `text_delta`, each tool call -> a `tool_use` block with `input_json_delta`), then
 * `message_delta` with the stop reason and the whole usage, then `message_stop`. A block is
 * closed when the next kind of content starts, as Anthropic streams one block at a time.
 */
export class MessageEventEncoder {
  private started = false;
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  private thinkingIndex = -1;
  /** Content-block index of each canonical tool call (by its tool index). */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason = FinishReason.UNSPECIFIED;
  private usage: Usage | undefined;

  constructor(
    private readonly fallbackId: string,
    private readonly fallbackModel: string,
  ) {}

  /** The events for one chunk ("" when it carries nothing to send yet). */
  encode(chunk: ChatChunk): string {
    let out = "";
    if (!this.started) {
      this.started = true;
      const message = {
        id: chunk.id || this.fallbackId,
        type: "message",
        role: "assistant",
        model: chunk.model || this.fallbackModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Counted when the answer ends: the final figures arrive in message_delta.
        usage: { input_tokens: 0, output_tokens: 0 },
      };
      out += sseEvent("message_start", { type: "message_start", message }) + sseEvent("ping", { type: "ping" });
    }
    if (chunk.reasoningDelta !== "") {
      out += this.ensure("thinking");
      out += this.delta(this.open!.index, { type: "thinking_delta", thinking: chunk.reasoningDelta });
    }
    if (chunk.reasoningSignature !== "") {
      if (this.thinkingIndex === -1) out += this.ensure("thinking");
      out += this.delta(this.thinkingIndex, { type: "signature_delta", signature: chunk.reasoningSignature });
    }
    const text = chunk.textDelta + chunk.refusalDelta;
    if (text !== "") {
      out += this.ensure("text");
      out += this.delta(this.open!.index, { type: "text_delta", text });
    }
    for (const d of chunk.toolCallDeltas) {
      let index = this.toolBlocks.get(d.index);
      if (index === undefined) {
        out += this.close();
        index = this.nextIndex++;
        this.toolBlocks.set(d.index, index);
        this.open = { kind: "tool", index, toolIndex: d.index };
        out += sseEvent("content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id: d.id, name: d.name, input: {} } });
      }
      // A call whose block was closed (calls interleaved by the provider) still gets its pieces, by index.
      if (d.argumentsDelta !== "") out += this.delta(index, { type: "input_json_delta", partial_json: d.argumentsDelta });
    }
    if (chunk.finishReason !== FinishReason.UNSPECIFIED) this.finishReason = chunk.finishReason;
    if (chunk.usage) this.usage = chunk.usage;
    return out;
  }

  /** The closing events, once the answer has ended. */
  finish(): string {
    let out = this.started ? "" : this.encode(newChunk({}));
    out += this.close();
    const delta = { stop_reason: toAnthropicStopReason(this.finishReason), stop_sequence: null };
    out += sseEvent("message_delta", { type: "message_delta", delta, usage: usageJson(this.usage) });
    return out + sseEvent("message_stop", { type: "message_stop" });
  }

  private ensure(kind: "thinking" | "text"): string {
    if (this.open?.kind === kind) return "";
    let out = this.close();
    const index = this.nextIndex++;
    this.open = { kind, index };
    if (kind === "thinking") this.thinkingIndex = index;
    const block = kind === "thinking" ? { type: "thinking", thinking: "", signature: "" } : { type: "text", text: "" };
    out += sseEvent("content_block_start", { type: "content_block_start", index, content_block: block });
    return out;
  }

  private close(): string {
    if (!this.open) return "";
    const index = this.open.index;
    this.open = undefined;
    return sseEvent("content_block_stop", { type: "content_block_stop", index });
  }

  private delta(index: number, delta: Record<string, unknown>): string {
    return sseEvent("content_block_delta", { type: "content_block_delta", index, delta });
  }
}
