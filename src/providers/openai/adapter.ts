import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { UpstreamPool, type Deadline } from "../../upstream/pool.js";
import type { ProviderAdapter, ProviderCall } from "../adapter.js";
import { fromOpenAIError } from "./errors.js";
import { toOpenAIBody } from "./request.js";
import { fromOpenAICompletion } from "./response.js";
import { fromOpenAIStream } from "./stream.js";

const OPENAI_BASE_URL = "https://api.openai.com/v1";

/**
 * OpenAI and every OpenAI-compatible server (vLLM, Ollama, llama.cpp, Mistral, DeepSeek,
 * Groq, ...) by `base_url`. Streams when the caller streams; answers whole otherwise.
 */
export function createOpenAIAdapter(config: ProviderConfig): ProviderAdapter {
  const baseUrl = config.baseUrl || OPENAI_BASE_URL;
  const pool = new UpstreamPool(config.id, baseUrl, config);
  const maxTokensField = new URL(baseUrl).hostname === "api.openai.com" ? "max_completion_tokens" : "max_tokens";
  const headers: Record<string, string> = { "content-type": "application/json", ...config.headers };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  const streamHeaders = { ...headers, accept: "text/event-stream" };
  const passReasoning = config.reasoning === "pass";

  async function* chat(call: ProviderCall): AsyncGenerator<ChatChunk> {
    const body = JSON.stringify(toOpenAIBody(call.request, call.model, call.stream, maxTokensField));
    const deadline = pool.startDeadline(call.signal);
    try {
      yield* exchange(call, body, deadline);
    } finally {
      deadline.clear();
    }
  }

  async function* exchange(call: ProviderCall, body: string, deadline: Deadline): AsyncGenerator<ChatChunk> {
    const res = await pool.request("/chat/completions", {
      method: "POST",
      headers: call.stream ? streamHeaders : headers,
      body,
      deadline,
    });
    if (res.statusCode >= 400) {
      const text = await res.body.text().catch(() => "");
      const retryAfter = res.headers["retry-after"];
      throw fromOpenAIError(config.id, res.statusCode, text, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
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
      yield fromOpenAICompletion(json, passReasoning);
      return;
    }
    try {
      yield* fromOpenAIStream(config.id, res.body, passReasoning);
    } catch (err) {
      throw pool.mapError(err, call.signal, true);
    } finally {
      // Ending early (client gone, error) must close the upstream request, not leave it running.
      if (!res.body.destroyed) res.body.destroy();
    }
  }

  return { id: config.id, kind: "openai", chat, close: () => pool.close() };
}
