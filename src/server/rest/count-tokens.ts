import type { Gateway } from "../../pipeline/gateway.js";
import { bearerToken, readJsonBody } from "../http/body.js";
import { sendError, sendJson } from "../http/respond.js";
import type { HttpRequest, HttpResponse } from "../http/types.js";
import { decodeChatCompletion } from "./openai-request.js";

/**
 * POST /v1/tokens/count: a chat-completions body in, its input-token count out, as the
 * model's provider bills it: `{"input_tokens", "encoding", "exact", "provider", "model"}`.
 */
export async function handleCountTokens(gateway: Gateway, req: HttpRequest, res: HttpResponse, maxBodyBytes: number): Promise<void> {
  try {
    const { request } = decodeChatCompletion(await readJsonBody(req, maxBodyBytes));
    const count = await gateway.countTokens(request, bearerToken(req.headers.authorization));
    sendJson(
      res,
      200,
      JSON.stringify({ input_tokens: count.inputTokens, encoding: count.encoding, exact: count.exact, provider: count.provider, model: count.model }),
    );
  } catch (err) {
    sendError(res, err);
  }
}
