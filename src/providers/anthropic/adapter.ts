import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { UpstreamPool, type Deadline } from "../../upstream/pool.js";
import type { ProviderAdapter, ProviderCall } from "../adapter.js";
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

  async function* chat(call: ProviderCall): AsyncGenerator<ChatChunk> {
    const body = JSON.stringify(toAnthropicBody(call.request, call.model, call.stream));
    const deadline = pool.startDeadline(call.signal);
    try {
      yield* exchange(call, body, deadline);
    } finally {
      deadline.clear();
    }
  }

  async function* exchange(call: ProviderCall, body: string, deadline: Deadline): AsyncGenerator<ChatChunk> {
    const res = await pool.request("/messages", { method: "POST", headers: call.stream ? streamHeaders : headers, body, deadline });
    if (res.statusCode >= 400) {
      const text = await res.body.text().catch(() => "");
      const retryAfter = res.headers["retry-after"];
      throw fromAnthropicError(config.id, res.statusCode, text, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
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
      yield fromAnthropicMessage(json, passReasoning);
      return;
    }
    let sentAny = false;
    try {
      for await (const chunk of fromAnthropicStream(config.id, res.body, passReasoning)) {
        sentAny = true;
        yield chunk;
      }
    } catch (err) {
      // Transport failures before the first chunk keep their own (retryable) code.
      throw pool.mapError(err, call.signal, sentAny);
    } finally {
      // Ending early (client gone, error) must close the upstream request, not leave it running.
      if (!res.body.destroyed) res.body.destroy();
    }
  }

  return { id: config.id, kind: "anthropic", chat, close: () => pool.close() };
}
