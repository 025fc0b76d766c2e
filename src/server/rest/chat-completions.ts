import { CacheStatus } from "../../gen/sluice/v1/gateway_pb.js";
import { toOpenAIErrorBody } from "../../errors/sluice-error.js";
import type { Gateway } from "../../pipeline/gateway.js";
import { gatewayCall, type RestCall } from "../call.js";
import { readJsonBody } from "../http/body.js";
import { sendEventStream, sendJson } from "../http/respond.js";
import type { HttpRequest, HttpResponse } from "../http/types.js";
import { decodeCacheHeader, decodeChatCompletion } from "./openai-request.js";
import { ChunkEncoder, SSE_DONE, encodeCompletion } from "./openai-response.js";

/**
 * POST /v1/chat/completions. A stream's headers are held until the first chunk arrives, so a
 * request that fails before any output (unknown model, provider down) still gets a proper
 * HTTP error status; after that, an error is sent as an SSE `error` event (which the OpenAI
 * SDKs raise) and the stream ends without `[DONE]`.
 */
export async function handleChatCompletions(gateway: Gateway, req: HttpRequest, res: HttpResponse, rest: RestCall): Promise<void> {
  const decoded = decodeChatCompletion(await readJsonBody(req, rest.maxBodyBytes));
  decoded.request.cache = decodeCacheHeader(req.headers["x-sluice-cache"]);
  const call = { ...gatewayCall(rest.call, rest.signal), request: decoded.request };
  const fallbackId = `chatcmpl-${rest.call.record.requestId}`;

  if (!decoded.stream) {
    const response = await gateway.chat(call);
    const md = response.metadata;
    const headers: Record<string, string> = {};
    if (md) {
      headers["x-sluice-provider"] = md.provider;
      headers["x-sluice-model"] = md.model;
      headers["x-sluice-attempts"] = String(md.attempts);
      headers["x-sluice-cost-usd"] = String(md.costUsd);
      headers["x-sluice-cache-status"] = cacheStatusName(md.cacheStatus);
      if (md.prompt) headers["x-sluice-prompt"] = md.prompt;
      if (md.context) headers["x-sluice-context"] = md.context;
    }
    if (rest.call.record.guard?.startsWith("flagged")) headers["x-sluice-guard"] = "flagged";
    sendJson(res, 200, encodeCompletion(response, fallbackId, decoded.request.model), headers);
    return;
  }

  const encoder = new ChunkEncoder(fallbackId, decoded.request.model, decoded.includeUsage);
  const streamHeaders: Record<string, string> = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
  const chunks = gateway.chatStream({
    ...call,
    onAnswerStart: (start) => {
      streamHeaders["x-sluice-provider"] = start.provider;
      streamHeaders["x-sluice-model"] = start.model;
      streamHeaders["x-sluice-attempts"] = String(start.attempts);
      if (start.prompt) streamHeaders["x-sluice-prompt"] = start.prompt;
      if (start.context) streamHeaders["x-sluice-context"] = start.context;
    },
  });
  await sendEventStream(res, rest.call, chunks, streamHeaders, {
    encode: (chunk) => encoder.encode(chunk),
    end: () => SSE_DONE,
    error: (error) => `data: ${toOpenAIErrorBody(error)}\n\n`,
  });
}

const cacheStatusNames: Record<number, string> = {
  [CacheStatus.MISS]: "miss",
  [CacheStatus.HIT_EXACT]: "hit_exact",
  [CacheStatus.HIT_SEMANTIC]: "hit_semantic",
  [CacheStatus.BYPASS]: "bypass",
};

export function cacheStatusName(status: CacheStatus): string {
  return cacheStatusNames[status] ?? "none";
}
