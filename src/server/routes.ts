import type { Gateway } from "../pipeline/gateway.js";
import { SluiceError } from "../errors/sluice-error.js";
import { sendError, sendJson } from "./http/respond.js";
import type { HttpRequest, HttpResponse } from "./http/types.js";
import { handleChatCompletions } from "./rest/chat-completions.js";
import { handleModels } from "./rest/models.js";
import { handleCountTokens } from "./rest/count-tokens.js";
import { handleEmbeddings } from "./rest/embeddings.js";

export interface RestContext {
  gateway: Gateway;
  maxBodyBytes: number;
  isReady(): boolean;
}

/**
 * The plain-HTTP routes: the OpenAI-compatible API and the operational endpoints. Kept off
 * Connect's router on purpose: this is the hot path for OpenAI SDK traffic.
 */
export async function handleRest(ctx: RestContext, req: HttpRequest, res: HttpResponse, signal: AbortSignal): Promise<void> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const method = req.method ?? "GET";

  if (path === "/v1/chat/completions") {
    if (method !== "POST") return methodNotAllowed(res, "POST");
    return handleChatCompletions(ctx.gateway, req, res, ctx.maxBodyBytes, signal);
  }
  if (path === "/v1/models" || path.startsWith("/v1/models/")) {
    if (method !== "GET") return methodNotAllowed(res, "GET");
    const id = path === "/v1/models" ? undefined : decodeURIComponent(path.slice("/v1/models/".length));
    return handleModels(ctx.gateway, req, res, id);
  }
  if (path === "/v1/embeddings") {
    if (method !== "POST") return methodNotAllowed(res, "POST");
    return handleEmbeddings(ctx.gateway, req, res, ctx.maxBodyBytes, signal);
  }
  if (path === "/v1/tokens/count") {
    if (method !== "POST") return methodNotAllowed(res, "POST");
    return handleCountTokens(ctx.gateway, req, res, ctx.maxBodyBytes);
  }
  if (path === "/healthz") return sendJson(res, 200, '{"status":"ok"}');
  if (path === "/readyz") {
    return ctx.isReady() ? sendJson(res, 200, '{"status":"ready"}') : sendJson(res, 503, '{"status":"draining"}');
  }
  if (path === "/metrics") {
    const registry = ctx.gateway.metrics.registry;
    const text = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType });
    res.end(text);
    return;
  }
  sendError(res, new SluiceError("not_found", `no route for ${method} ${path}`));
}

function methodNotAllowed(res: HttpResponse, allow: string): void {
  sendError(res, new SluiceError("method_not_allowed", `use ${allow} for this endpoint`), { allow });
}
