import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { hasContent } from "../../core/canonical.js";
import { fromOpenAIStream } from "../openai/stream.js";

/**
 * Azure's chat-completion stream is OpenAI's plus content-filter annotations: a first chunk
 * with `prompt_filter_results` and `choices: []` (no id, no model), and, with asynchronous
 * filtering, chunks whose choice has `content_filter_results` but no `delta`. OpenAI's decoder
 * reads those as empty chunks; they carry nothing for the caller, so they are dropped here.
 * A filtered answer ends with `finish_reason: "content_filter"`, which the OpenAI decoder
 * already maps to CONTENT_FILTER.
 */
export async function* fromAzureStream(providerId: string, body: AsyncIterable<Uint8Array>, passReasoning: boolean): AsyncGenerator<ChatChunk> {
  for await (const chunk of fromOpenAIStream(providerId, body, passReasoning)) {
    if (hasContent(chunk) || chunk.usage !== undefined) yield chunk;
  }
}
