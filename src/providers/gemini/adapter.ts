import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { UpstreamPool } from "../../upstream/pool.js";
import { exchangeChat } from "../http-exchange.js";
import { headerValue } from "../../upstream/headers.js";
import type { ProviderAdapter, ProviderCall } from "../../core/provider.js";
import { fromGeminiError } from "./errors.js";
import { toGeminiBody } from "./request.js";
import { fromGeminiResponse } from "./response.js";
import { fromGeminiStream } from "./stream.js";
import { requireModelName } from "../model-names.js";

/*
 * Google Gemini API: `POST {base_url}/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`, key in `x-goog-api-key`; a tuned model (`tunedModels/{id}`)
 * at `{base_url}/tunedModels/{id}:...`. The model name is checked (../model-names.ts: no `/`
 * but that prefix's, no `..`) and its segment percent-encoded, so it cannot leave its segment.
 *
 * Usage normalisation rule (canonical = OpenAI's: inputTokens INCLUDES cached tokens).
 * Gemini's promptTokenCount already includes cachedContentTokenCount; its
 * candidatesTokenCount leaves out thinking, which is billed as output:
 *   inputTokens       = promptTokenCount
 *   cachedInputTokens = cachedContentTokenCount
 *   outputTokens      = candidatesTokenCount + thoughtsTokenCount
 *   reasoningTokens   = thoughtsTokenCount
 * The last usageMetadata of a stream wins (each event carries the running totals).
 */

const GEMINI_BASE_URL = "https://generativelanguage.googleapis.com/v1beta";

export function createGeminiAdapter(config: ProviderConfig): ProviderAdapter {
  const pool = new UpstreamPool(config.id, config.baseUrl || GEMINI_BASE_URL, config);
  const headers: Record<string, string> = { "content-type": "application/json", ...config.headers };
  if (config.apiKey) headers["x-goog-api-key"] = config.apiKey;
  const streamHeaders = { ...headers, accept: "text/event-stream" };
  const passReasoning = config.reasoning === "pass";

  async function* chat(call: ProviderCall): AsyncGenerator<ChatChunk> {
    requireModelName("gemini", call.model);
    const tuned = call.model.startsWith("tunedModels/");
    const model = tuned ? `tunedModels/${encodeURIComponent(call.model.slice("tunedModels/".length))}` : `models/${encodeURIComponent(call.model)}`;
    return yield* exchangeChat(config.id, pool, call, {
      path: call.stream ? `/${model}:streamGenerateContent?alt=sse` : `/${model}:generateContent`,
      headers: call.stream ? streamHeaders : headers,
      body: JSON.stringify(toGeminiBody(call.request, call.model, passReasoning)),
      error: (status, text, h) => fromGeminiError(config.id, status, text, headerValue(h["retry-after"])),
      whole: (json) => fromGeminiResponse(config.id, json, passReasoning),
      stream: (body) => fromGeminiStream(config.id, body, passReasoning),
    });
  }

  return { id: config.id, kind: "gemini", chat, close: () => pool.close() };
}
