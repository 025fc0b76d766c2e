import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { UpstreamPool, type Deadline } from "../../upstream/pool.js";
import type { ProviderAdapter, ProviderCall } from "../adapter.js";
import { fromGeminiError } from "./errors.js";
import { toGeminiBody } from "./request.js";
import { fromGeminiResponse } from "./response.js";
import { fromGeminiStream } from "./stream.js";

/*
 * Google Gemini API: `POST {base_url}/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`, key in `x-goog-api-key`.
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
    const body = JSON.stringify(toGeminiBody(call.request, call.model, passReasoning));
    const deadline = pool.startDeadline(call.signal);
    try {
      yield* exchange(call, body, deadline);
    } finally {
      deadline.clear();
    }
  }

  async function* exchange(call: ProviderCall, body: string, deadline: Deadline): AsyncGenerator<ChatChunk> {
    // Model names like "gemini-2.5-flash" need no escaping; "tunedModels/x" keeps its slash.
    const model = encodeURIComponent(call.model).replace(/%2F/gi, "/");
    const path = call.stream ? `/models/${model}:streamGenerateContent?alt=sse` : `/models/${model}:generateContent`;
    const res = await pool.request(path, { method: "POST", headers: call.stream ? streamHeaders : headers, body, deadline });
    if (res.statusCode >= 400) {
      const text = await res.body.text().catch(() => "");
      const retryAfter = res.headers["retry-after"];
      throw fromGeminiError(config.id, res.statusCode, text, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    }
    if (!call.stream) {
      let json: unknown;
      try {
        json = await res.body.json();
      } catch (err) {
        throw err instanceof SyntaxError
          ? new SluiceError("upstream_unavailable", `${config.id}: answered with a body that is not JSON`, { cause: err })
          : pool.mapError(err, call.signal);
      }
      yield fromGeminiResponse(config.id, json, passReasoning);
      return;
    }
    let sentAny = false;
    try {
      for await (const chunk of fromGeminiStream(config.id, res.body, passReasoning)) {
        sentAny = true;
        yield chunk;
      }
    } catch (err) {
      throw pool.mapError(err, call.signal, sentAny);
    } finally {
      // Ending early (client gone, error) must close the upstream request, not leave it running.
      if (!res.body.destroyed) res.body.destroy();
    }
  }

  return { id: config.id, kind: "gemini", chat, close: () => pool.close() };
}
