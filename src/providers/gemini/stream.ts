import { Role, type ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { newChunk } from "../../core/canonical.js";
import { readSse } from "../../upstream/sse.js";
import { GeminiAnswer } from "./answer.js";
import { BareJsonWatch } from "./bare-json.js";
import { fromGeminiBareTail, fromGeminiInBandError } from "./errors.js";
import type { GeminiResponse } from "./wire.js";

/**
 * A Gemini `streamGenerateContent?alt=sse` stream -> canonical chunks. Each event is a whole
 * GenerateContentResponse; text (and, when passed, thought text) is yielded as it arrives;
 * tool calls, the finish reason and usage come on one last chunk (see GeminiAnswer for why).
 * The stream has no end marker: it ends when the body does, and an answer without a finish
 * reason was cut.
 */
export async function* fromGeminiStream(providerId: string, body: AsyncIterable<Uint8Array>, passReasoning: boolean): AsyncGenerator<ChatChunk> {
  const answer = new GeminiAnswer(passReasoning);
  const bare = new BareJsonWatch();
  // Gemini events carry no usable timestamp: the answer is stamped when it starts arriving.
  const created = BigInt(Math.floor(Date.now() / 1000));
  let sentContent = false;
  const fail = (message: string) => new SluiceError(sentContent ? "stream_interrupted" : "upstream_unavailable", `${providerId}: ${message}`);

  for await (const events of readSse(bare.watch(body), { source: providerId })) {
    for (const sse of events) {
      if (sse.data === "") continue;
      let event: GeminiResponse;
      try {
        event = JSON.parse(sse.data) as GeminiResponse;
      } catch {
        throw fail("stream sent an event that is not JSON");
      }
      if (event.error) throw fromGeminiInBandError(providerId, event.error, sentContent);
      const { text, reasoning } = answer.absorb(event);
      if (text !== "" || reasoning !== "") {
        const role = sentContent ? Role.UNSPECIFIED : Role.ASSISTANT;
        sentContent = true;
        yield newChunk({ id: answer.id, created, model: answer.model, role, textDelta: text, reasoningDelta: reasoning });
      }
    }
  }
  const tail = bare.text();
  if (tail !== undefined) throw fromGeminiBareTail(providerId, tail, sentContent);
  if (!answer.complete) throw fail("stream ended before a finish reason");
  yield newChunk({ id: answer.id, created, model: answer.model, role: sentContent ? Role.UNSPECIFIED : Role.ASSISTANT, ...answer.final() });
}
