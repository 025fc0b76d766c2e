import type { Gateway } from "../../../pipeline/gateway.js";
import { requestCall, type RestCall } from "../../call.js";
import { readJsonBody } from "../../http/body.js";
import { sendEventStream, sendJson } from "../../http/respond.js";
import type { HttpRequest, HttpResponse } from "../../http/types.js";
import { answerHeaders, streamAnswerHeaders } from "../answer-headers.js";
import { decodeCacheHeader } from "../openai-request.js";
import { errorEvent } from "./errors.js";
import { decodeMessagesRequest } from "./messages-request.js";
import { MessageEventEncoder, encodeMessage } from "./messages-response.js";

/**
 * POST /v1/messages: through the chat operation like every surface (limits, cache, policies,
 * routing, ledger), answered by whichever provider the model routes to. A stream's headers
 * are held until the first chunk, so a failure before any output (unknown model, limits,
 * every provider down) still gets its HTTP status and error body; after that it is an
 * `error` event and the stream ends without `message_stop`.
 */
export async function handleMessages(gateway: Gateway, req: HttpRequest, res: HttpResponse, rest: RestCall): Promise<void> {
  const decoded = decodeMessagesRequest(await readJsonBody(req, rest.maxBodyBytes));
  decoded.request.cache = decodeCacheHeader(req.headers["x-sluice-cache"]);
  const call = requestCall(rest.call, rest.signal, decoded.request);
  const requestId = rest.call.record.requestId;
  const fallbackId = `msg_${requestId}`;

  if (!decoded.stream) {
    const response = await gateway.chat(call);
    sendJson(res, 200, encodeMessage(response, fallbackId, decoded.request.model), answerHeaders(response.metadata, rest.call));
    return;
  }

  const encoder = new MessageEventEncoder(fallbackId, decoded.request.model);
  const { headers, onAnswerStart } = streamAnswerHeaders();
  call.onAnswerStart = onAnswerStart;
  const chunks = gateway.chatStream(call);
  await sendEventStream(res, rest.call, chunks, headers, {
    encode: (chunk) => encoder.encode(chunk),
    end: () => encoder.finish(),
    error: (error) => errorEvent(error, requestId),
  });
}

/**
 * POST /v1/messages/count_tokens: a Messages body (no `max_tokens` needed) in, Anthropic's
 * `{"input_tokens": N}` out, counted as the model's first target bills them. Whether the count
 * is exact (a published tokenizer) says `x-sluice-token-count-exact`.
 */
export async function handleCountTokens(gateway: Gateway, req: HttpRequest, res: HttpResponse, rest: RestCall): Promise<void> {
  const { request } = decodeMessagesRequest(await readJsonBody(req, rest.maxBodyBytes), true);
  const count = await gateway.countTokens(requestCall(rest.call, rest.signal, request));
  sendJson(res, 200, JSON.stringify({ input_tokens: count.inputTokens }), {
    "x-sluice-provider": count.provider,
    "x-sluice-model": count.model,
    "x-sluice-token-count-exact": String(count.exact),
  });
}
