import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { UpstreamPool } from "../../upstream/pool.js";
import { exchangeChat } from "../http-exchange.js";
import { headerValue } from "../../upstream/headers.js";
import type { ProviderAdapter, ProviderCall } from "../../core/provider.js";
import { fromAnthropicError } from "./errors.js";
import { toAnthropicBody } from "./request.js";
import { fromAnthropicMessage } from "./response.js";
import { fromAnthropicStream } from "./stream.js";

/*
 * Anthropic Messages API (`POST {base_url}/messages`).
 *
 * Usage normalisation rule. The canonical Usage follows OpenAI: `inputTokens` INCLUDES cached
 * tokens. Anthropic reports `input_tokens` WITHOUT the tokens read from or written to its
 * prompt cache, so:
 *   inputTokens       = input_tokens + cache_read_input_tokens + cache_creation_input_tokens
 *   cachedInputTokens = cache_read_input_tokens
 *   cacheWriteTokens  = cache_creation_input_tokens
 *   outputTokens      = output_tokens (thinking included)
 *   reasoningTokens   = output_tokens_details.thinking_tokens (when reported)
 * In a stream, `message_delta` usage fields override those of `message_start` (see wire.ts).
 */

const ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1";
const ANTHROPIC_DEFAULT_VERSION = "2023-06-01";

export function createAnthropicAdapter(config: ProviderConfig): ProviderAdapter {
  const pool = new UpstreamPool(config.id, config.baseUrl || ANTHROPIC_BASE_URL, config);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "anthropic-version": config.apiVersion || ANTHROPIC_DEFAULT_VERSION,
    ...config.headers,
  };
  if (config.apiKey) headers["x-api-key"] = config.apiKey;
  const streamHeaders = { ...headers, accept: "text/event-stream" };
  const passReasoning = config.reasoning === "pass";

  function chat(call: ProviderCall): AsyncIterable<ChatChunk> {
    return exchangeChat(config.id, pool, call, {
      path: "/messages",
      headers: call.stream ? streamHeaders : headers,
      body: JSON.stringify(toAnthropicBody(call.request, call.model, call.stream)),
      error: (status, text, h) => fromAnthropicError(config.id, status, text, headerValue(h["retry-after"])),
      whole: (json) => fromAnthropicMessage(json, passReasoning),
      stream: (body) => fromAnthropicStream(config.id, body, passReasoning),
    });
  }

  return { id: config.id, kind: "anthropic", chat, close: () => pool.close() };
}
