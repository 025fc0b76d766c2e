import { FinishReason, Role, type ChatChunk, type Usage } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { newChunk, newToolCallDelta } from "../../core/canonical.js";
import { readEventStream, type EventStreamMessage } from "../../upstream/eventstream.js";
import { fromBedrockStreamException } from "./errors.js";
import { fromConverseStopReason, fromConverseUsage, type ConverseUsage } from "./wire.js";

/** One ConverseStream event as the SDK names it: `{ contentBlockDelta: {...} }` is (type, payload). */
export interface ConverseEvent {
  type: string;
  payload: any;
}

/**
 * A ConverseStream answer (binary event stream) -> canonical chunks. Frames with
 * `:message-type: event` are Converse events; `exception` (and the generic `error`) frames end
 * the stream with an error. A stream that ends before `messageStop` was cut.
 */
export async function* fromConverseStream(
  providerId: string,
  model: string,
  body: AsyncIterable<Uint8Array>,
  passReasoning: boolean,
  /** The chunks' id: Bedrock's `x-amzn-requestid` (Converse answers carry no id of their own). */
  id = "",
): AsyncGenerator<ChatChunk> {
  const decoder = new ConverseStreamDecoder(model, passReasoning, id);
  for await (const message of readEventStream(body)) {
    const kind = headerString(message, ":message-type");
    if (kind === "exception" || kind === "error") {
      const type = headerString(message, ":exception-type") ?? headerString(message, ":error-code") ?? "unknownException";
      // Generic `error` frames carry their text in a header instead of the body.
      const errorBody = message.body.byteLength > 0 ? message.body : new TextEncoder().encode(JSON.stringify({ message: headerString(message, ":error-message") ?? "" }));
      throw fromBedrockStreamException(providerId, type, errorBody, decoder.started);
    }
    const type = headerString(message, ":event-type");
    if (!type) continue;
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength).toString("utf8"));
    } catch {
      throw new SluiceError(decoder.started ? "stream_interrupted" : "upstream_unavailable", `${providerId}: stream event ${type} is not JSON`);
    }
    yield* decoder.push({ type, payload });
  }
  if (!decoder.finished) {
    throw new SluiceError(decoder.started ? "stream_interrupted" : "upstream_unavailable", `${providerId}: stream ended before messageStop`);
  }
}

function headerString(message: EventStreamMessage, name: string): string | undefined {
  const h = message.headers[name];
  return h?.type === "string" ? h.value : undefined;
}

/**
 * The Converse event sequence -> canonical chunks. Stateful: tool calls are numbered in order
 * of appearance (Bedrock numbers content blocks, text and tools together), the role goes on
 * the first chunk that is sent (not on `messageStart`, so a stream that fails before any
 * content can still fail over), and usage from `metadata` (which Bedrock may send before or
 * after `messageStop`) goes on the finish chunk or after it, never before it.
 */
export class ConverseStreamDecoder {
  /** Whether a chunk has been produced (errors after this are `stream_interrupted`). */
  started = false;
  /** Whether `messageStop` has been seen. */
  finished = false;
  private readonly created = BigInt(Math.floor(Date.now() / 1000));
  private readonly tools = new Map<number, { index: number; argumentsSent: boolean }>();
  private pendingUsage: Usage | undefined;

  constructor(
    private readonly model: string,
    private readonly passReasoning: boolean,
    private readonly id = "",
  ) {}

  *push(event: ConverseEvent): Generator<ChatChunk> {
    const p = event.payload ?? {};
    switch (event.type) {
      case "contentBlockStart": {
        const toolUse = p.start?.toolUse;
        if (!toolUse) return;
        const tool = this.tool(p.contentBlockIndex);
        yield this.chunk({ toolCallDeltas: [newToolCallDelta({ index: tool.index, id: toolUse.toolUseId ?? "", name: toolUse.name ?? "" })] });
        return;
      }
      case "contentBlockDelta": {
        const delta = p.delta ?? {};
        if (typeof delta.text === "string" && delta.text !== "") yield this.chunk({ textDelta: delta.text });
        else if (delta.toolUse) {
          const input = typeof delta.toolUse.input === "string" ? delta.toolUse.input : "";
          if (input === "") return;
          const tool = this.tool(p.contentBlockIndex);
          tool.argumentsSent = true;
          yield this.chunk({ toolCallDeltas: [newToolCallDelta({ index: tool.index, argumentsDelta: input })] });
        } else if (this.passReasoning && typeof delta.reasoningContent?.text === "string" && delta.reasoningContent.text !== "") {
          yield this.chunk({ reasoningDelta: delta.reasoningContent.text });
        }
        return;
      }
      case "contentBlockStop": {
        // A tool called without arguments streams no input (or ""): its arguments are `{}`.
        const tool = this.tools.get(p.contentBlockIndex);
        if (tool && !tool.argumentsSent) {
          tool.argumentsSent = true;
          yield this.chunk({ toolCallDeltas: [newToolCallDelta({ index: tool.index, argumentsDelta: "{}" })] });
        }
        return;
      }
      case "messageStop":
        this.finished = true;
        yield this.chunk({ finishReason: fromConverseStopReason(p.stopReason), usage: this.pendingUsage });
        this.pendingUsage = undefined;
        return;
      case "metadata": {
        if (!p.usage) return;
        const usage = fromConverseUsage(p.usage as ConverseUsage);
        if (this.finished) yield this.chunk({ usage });
        else this.pendingUsage = usage;
        return;
      }
      default:
        // messageStart (the role is always assistant) and events this gateway has no use for.
        return;
    }
  }

  private tool(blockIndex: number): { index: number; argumentsSent: boolean } {
    let tool = this.tools.get(blockIndex);
    if (!tool) {
      tool = { index: this.tools.size, argumentsSent: false };
      this.tools.set(blockIndex, tool);
    }
    return tool;
  }

  private chunk(init: Partial<Omit<ChatChunk, "$typeName">>): ChatChunk {
    const first = !this.started;
    this.started = true;
    return newChunk({
      id: this.id,
      created: this.created,
      model: this.model,
      role: first ? Role.ASSISTANT : Role.UNSPECIFIED,
      finishReason: FinishReason.UNSPECIFIED,
      ...init,
    });
  }
}
