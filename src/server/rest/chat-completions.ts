import { toOpenAIErrorBody } from "../../errors/sluice-error.js";
import type { Gateway } from "../../pipeline/gateway.js";
import { requestCall, type RestCall } from "../call.js";
import { readJsonBody } from "../http/body.js";
import { sendEventStream, sendJson } from "../http/respond.js";
import type { HttpRequest, HttpResponse } from "../http/types.js";
import { answerHeaders, streamAnswerHeaders } from "./answer-headers.js";
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
  const call = requestCall(rest.call, rest.signal, decoded.request);
  const fallbackId = `chatcmpl-${rest.call.record.requestId}`;

  if (!decoded.stream) {
    const response = await gateway.chat(call);
    sendJson(res, 200, encodeCompletion(response, fallbackId, decoded.request.model), answerHeaders(response.metadata, rest.call));
    return;
  }

  const encoder = new ChunkEncoder(fallbackId, decoded.request.model, decoded.includeUsage);
  const { headers, onAnswerStart } = streamAnswerHeaders();
  call.onAnswerStart = onAnswerStart;
  const chunks = gateway.chatStream(call);
  await sendEventStream(res, rest.call, chunks, headers, {
    encode: (chunk) => encoder.encode(chunk),
    end: () => SSE_DONE,
    error: (error) => `data: ${toOpenAIErrorBody(error)}\n\n`,
  });
}
