import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { UpstreamPool } from "../../upstream/pool.js";
import { exchangeChat } from "../http-exchange.js";
import { headerValue } from "../../upstream/headers.js";
import type { ProviderAdapter, ProviderCall } from "../../core/provider.js";
import { toOpenAIBody } from "../openai/request.js";
import { fromOpenAICompletion } from "../openai/response.js";
import { chatCompletionsPath, resolveAzureEndpoint } from "./endpoint.js";
import { fromAzureError } from "./errors.js";
import { fromAzureStream } from "./stream.js";
import { requireModelName } from "../model-names.js";

/**
 * Azure OpenAI: OpenAI's chat-completions wire format (request, response, stream and error
 * code are OpenAI's, reused from ../openai) at a deployment URL, authenticated by the
 * `api-key` header (a Microsoft Entra token can be sent instead through `headers:
 * { Authorization: "Bearer ..." }` and no `api_key`). See ./endpoint.ts for the URL and the
 * api-version rules.
 */
export function createAzureOpenAIAdapter(config: ProviderConfig): ProviderAdapter {
  const endpoint = resolveAzureEndpoint(config);
  const pool = new UpstreamPool(config.id, endpoint.resourceUrl, config);
  const headers: Record<string, string> = { "content-type": "application/json", ...config.headers };
  if (config.apiKey) headers["api-key"] = config.apiKey;
  const streamHeaders = { ...headers, accept: "text/event-stream" };
  const passReasoning = config.reasoning === "pass";

  async function* chat(call: ProviderCall): AsyncGenerator<ChatChunk> {
    // The deployment name is a path segment: checked (no `/`, no `..`) and percent-encoded.
    requireModelName("azure-openai", call.model);
    const wire = toOpenAIBody(call.request, call.model, call.stream, endpoint.maxTokensField);
    if (!endpoint.streamOptions) delete wire.stream_options;
    return yield* exchangeChat(config.id, pool, call, {
      path: chatCompletionsPath(call.model, endpoint.apiVersion),
      headers: call.stream ? streamHeaders : headers,
      body: JSON.stringify(wire),
      error: (status, text, h) =>
        fromAzureError(config.id, status, text, { retryAfter: headerValue(h["retry-after"]), retryAfterMs: headerValue(h["retry-after-ms"]) }),
      whole: (json) => fromOpenAICompletion(json, passReasoning),
      stream: (body) => fromAzureStream(config.id, body, passReasoning),
    });
  }

  return { id: config.id, kind: "azure-openai", chat, close: () => pool.close() };
}
