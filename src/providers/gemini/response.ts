import { Role, type ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { newChunk } from "../../core/canonical.js";
import { GeminiAnswer } from "./answer.js";
import { fromGeminiInBandError } from "./errors.js";
import type { GeminiResponse } from "./wire.js";

/** A whole `generateContent` response -> one canonical chunk holding the whole answer. */
export function fromGeminiResponse(providerId: string, body: unknown, passReasoning: boolean): ChatChunk {
  const r = body as GeminiResponse;
  if (r?.error) throw fromGeminiInBandError(providerId, r.error, false);
  const answer = new GeminiAnswer(passReasoning);
  const { text, reasoning } = answer.absorb(r ?? {});
  if (!answer.complete) throw new SluiceError("upstream_unavailable", `${providerId}: answered without a candidate or finish reason`);
  return newChunk({
    id: answer.id,
    created: BigInt(Math.floor(Date.now() / 1000)),
    model: answer.model,
    role: Role.ASSISTANT,
    textDelta: text,
    reasoningDelta: reasoning,
    ...answer.final(),
  });
}
