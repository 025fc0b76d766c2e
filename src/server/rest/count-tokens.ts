import type { Gateway } from "../../pipeline/gateway.js";
import { requestCall, type RestCall } from "../call.js";
import { readJsonBody } from "../http/body.js";
import { sendJson } from "../http/respond.js";
import type { HttpRequest, HttpResponse } from "../http/types.js";
import { decodeChatCompletion } from "./openai-request.js";

/**
 * POST /v1/tokens/count: a chat-completions body in, its input-token count out, as the
 * model's provider bills it: `{"input_tokens", "encoding", "exact", "provider", "model"}`.
 */
export async function handleCountTokens(gateway: Gateway, req: HttpRequest, res: HttpResponse, rest: RestCall): Promise<void> {
  const { request } = decodeChatCompletion(await readJsonBody(req, rest.maxBodyBytes));
  const count = await gateway.countTokens(requestCall(rest.call, rest.signal, request));
  sendJson(
    res,
    200,
    JSON.stringify({ input_tokens: count.inputTokens, encoding: count.encoding, exact: count.exact, provider: count.provider, model: count.model }),
  );
}
