import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { UpstreamPool } from "../../upstream/pool.js";
import { exchangeChat } from "../http-exchange.js";
import { headerValue } from "../../upstream/headers.js";
import { openAIEmbed } from "./embeddings.js";
import type { ProviderAdapter, ProviderCall } from "../../core/provider.js";
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

  function chat(call: ProviderCall): AsyncIterable<ChatChunk> {
    return exchangeChat(config.id, pool, call, {
      path: "/chat/completions",
      headers: call.stream ? streamHeaders : headers,
      body: JSON.stringify(toOpenAIBody(call.request, call.model, call.stream, maxTokensField)),
      error: (status, text, h) => fromOpenAIError(config.id, status, text, headerValue(h["retry-after"])),
      whole: (json) => fromOpenAICompletion(json, passReasoning),
      stream: (body) => fromOpenAIStream(config.id, body, passReasoning),
    });
  }

  return {
    id: config.id,
    kind: "openai",
    chat,
    embed: (call) => openAIEmbed(config.id, pool, headers, call),
    close: () => pool.close(),
  };
}
