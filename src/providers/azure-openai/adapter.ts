import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { UpstreamPool, type Deadline } from "../../upstream/pool.js";
import type { ProviderAdapter, ProviderCall } from "../adapter.js";
import { toOpenAIBody } from "../openai/request.js";
import { fromOpenAICompletion } from "../openai/response.js";
import { chatCompletionsPath, resolveAzureEndpoint } from "./endpoint.js";
import { fromAzureError } from "./errors.js";
import { fromAzureStream } from "./stream.js";

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
    const wire = toOpenAIBody(call.request, call.model, call.stream, endpoint.maxTokensField);
    if (!endpoint.streamOptions) delete wire.stream_options;
    const body = JSON.stringify(wire);
    const deadline = pool.startDeadline(call.signal);
    try {
      yield* exchange(call, body, deadline);
    } finally {
      deadline.clear();
    }
  }

  async function* exchange(call: ProviderCall, body: string, deadline: Deadline): AsyncGenerator<ChatChunk> {
    const res = await pool.request(chatCompletionsPath(call.model, endpoint.apiVersion), {
      method: "POST",
      headers: call.stream ? streamHeaders : headers,
      body,
      deadline,
    });
    try {
      if (res.statusCode >= 400) {
        const text = await res.body.text().catch(() => "");
        throw fromAzureError(config.id, res.statusCode, text, {
          retryAfter: header(res.headers["retry-after"]),
          retryAfterMs: header(res.headers["retry-after-ms"]),
        });
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
      let started = false;
      try {
        for await (const chunk of fromAzureStream(config.id, res.body, passReasoning)) {
          started = true;
          yield chunk;
        }
      } catch (err) {
        throw pool.mapError(err, call.signal, started);
      }
    } finally {
      // Ending early (client gone, error, a body never read) must close the upstream request,
      // not leave it running; destroying an unread body emits an abort error nobody waits for.
      if (!res.body.destroyed) res.body.on("error", () => {}).destroy();
    }
  }

  return { id: config.id, kind: "azure-openai", chat, close: () => pool.close() };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
