import { Role, type ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { newChunk, newToolCallDelta } from "../../core/canonical.js";
import { readSse } from "../../upstream/sse.js";
import { createdSeconds, fromOpenAIFinishReason, fromOpenAIUsage, type OpenAIToolCallWire, type OpenAIUsage } from "./wire.js";

interface OpenAIStreamChunk {
  id?: string;
  created?: number;
  model?: string;
  choices?: Array<{
    index?: number;
    delta?: {
      role?: string;
      content?: string | null;
      refusal?: string | null;
      reasoning_content?: string | null;
      tool_calls?: OpenAIToolCallWire[] | null;
    };
    finish_reason?: string | null;
  }>;
  usage?: OpenAIUsage | null;
  error?: { message?: string };
}

/**
 * An OpenAI chat-completion SSE stream -> canonical chunks. Ends at `data: [DONE]`; a stream
 * that ends without it was cut, which is an error, not a short answer. Only choice 0 is
 * read: the gateway asks for one choice. `reasoning_content` (DeepSeek, vLLM) is passed on
 * only when the provider's config says `reasoning: pass`.
 */
export async function* fromOpenAIStream(providerId: string, body: AsyncIterable<Uint8Array>, passReasoning: boolean): AsyncGenerator<ChatChunk> {
  for await (const events of readSse(body, { source: providerId })) {
    for (const event of events) {
      const data = event.data;
      if (data === "[DONE]") return;
      if (data === "") continue;
      let wire: OpenAIStreamChunk;
      try {
        wire = JSON.parse(data) as OpenAIStreamChunk;
      } catch {
        throw new SluiceError("stream_interrupted", `${providerId}: stream sent an event that is not JSON`);
      }
      if (wire.error) {
        throw new SluiceError("stream_interrupted", `${providerId}: ${wire.error.message ?? "error in stream"}`);
      }
      const choice = wire.choices?.[0];
      const delta = choice?.delta;
      yield newChunk({
        id: wire.id ?? "",
        created: createdSeconds(wire.created),
        model: wire.model ?? "",
        role: delta?.role === "assistant" ? Role.ASSISTANT : Role.UNSPECIFIED,
        textDelta: delta?.content ?? "",
        refusalDelta: delta?.refusal ?? "",
        reasoningDelta: passReasoning ? (delta?.reasoning_content ?? "") : "",
        toolCallDeltas: (delta?.tool_calls ?? []).map((d, i) =>
          newToolCallDelta({
            index: d.index ?? i,
            id: d.id ?? "",
            name: d.function?.name ?? "",
            argumentsDelta: d.function?.arguments ?? "",
          }),
        ),
        finishReason: fromOpenAIFinishReason(choice?.finish_reason),
        usage: wire.usage ? fromOpenAIUsage(wire.usage) : undefined,
      });
    }
  }
  throw new SluiceError("stream_interrupted", `${providerId}: stream ended before [DONE]`);
}
