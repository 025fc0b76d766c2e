import { SluiceError } from "../../errors/sluice-error.js";
import type { UpstreamPool } from "../../upstream/pool.js";
import type { EmbedCall, EmbedResult } from "../../core/provider.js";
import { headerValue } from "../../upstream/headers.js";
import { fromOpenAIError } from "./errors.js";
import { parseJsonAnswer } from "../http-exchange.js";

/** POST {base_url}/embeddings in OpenAI's wire format (float vectors). */
export async function openAIEmbed(providerId: string, pool: UpstreamPool, headers: Record<string, string>, call: EmbedCall): Promise<EmbedResult> {
  const body = JSON.stringify({ model: call.model, input: call.inputs, encoding_format: "float", ...(call.dimensions ? { dimensions: call.dimensions } : {}) });
  const res = await pool.requestWhole("/embeddings", { method: "POST", headers, body, callerSignal: call.signal });
  if (res.statusCode >= 400) throw fromOpenAIError(providerId, res.statusCode, res.body.toString("utf8"), headerValue(res.headers["retry-after"]));
  const json = parseJsonAnswer(providerId, res.body) as { data?: Array<{ index?: number; embedding?: number[] }>; usage?: { prompt_tokens?: number }; model?: string };
  const vectors: number[][] = new Array(call.inputs.length);
  for (const [i, d] of (json.data ?? []).entries()) vectors[d.index ?? i] = d.embedding ?? [];
  if (vectors.some((v) => !Array.isArray(v)) || vectors.length !== call.inputs.length) {
    throw new SluiceError("upstream_unavailable", `${providerId}: answered ${json.data?.length ?? 0} embeddings for ${call.inputs.length} inputs`);
  }
  return { vectors, inputTokens: json.usage?.prompt_tokens ?? 0, model: json.model ?? call.model };
}
