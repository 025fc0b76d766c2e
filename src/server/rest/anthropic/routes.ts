import { SluiceError } from "../../../errors/sluice-error.js";
import type { Gateway } from "../../../pipeline/gateway.js";
import { noteCaller, type RestCall } from "../../call.js";
import { bearerToken } from "../../http/body.js";
import type { HttpRequest, HttpResponse } from "../../http/types.js";
import { sendAnthropicError } from "./errors.js";
import { handleCountTokens, handleMessages } from "./messages.js";
import { handleAnthropicModels } from "./models.js";

/** The Anthropic-compatible endpoints. */
export type AnthropicRoute = "messages" | "count_tokens" | "models" | "unknown";

/**
 * Which Anthropic endpoint a request is for, if any (cheap: it runs for every REST request).
 * `/v1/models` is Anthropic's only when the request carries `anthropic-version`, as every
 * Anthropic SDK request does; without it, the OpenAI surface answers it.
 */
export function anthropicRoute(path: string, req: HttpRequest): AnthropicRoute | undefined {
  if (!path.startsWith("/v1/m")) return undefined;
  if (path === "/v1/messages") return "messages";
  if (path === "/v1/messages/count_tokens") return "count_tokens";
  if (path.startsWith("/v1/messages/")) return "unknown";
  if ((path === "/v1/models" || path.startsWith("/v1/models/")) && req.headers["anthropic-version"] !== undefined) return "models";
  return undefined;
}

/**
 * One Anthropic-compatible request: the method and path are checked, the caller is
 * authenticated (`x-api-key`, or `Authorization: Bearer`) before the body is read, and every
 * failure is answered in Anthropic's error shape (`{"type":"error","error":{...}}`).
 */
export async function handleAnthropic(route: AnthropicRoute, gateway: Gateway, req: HttpRequest, res: HttpResponse, path: string, rest: RestCall): Promise<void> {
  // Anthropic's SDKs read the request id from `request-id`.
  res.setHeader("request-id", rest.call.record.requestId);
  try {
    const method = req.method ?? "GET";
    if (route === "unknown") throw new SluiceError("not_found", `no route for ${method} ${path}`);
    allow(res, method, route === "models" ? "GET" : "POST");
    noteCaller(rest.call, gateway.authenticate(credentials(req)));
    if (route === "messages") return await handleMessages(gateway, req, res, rest);
    if (route === "count_tokens") return await handleCountTokens(gateway, req, res, rest);
    const id = path === "/v1/models" ? undefined : decodeSegment(path.slice("/v1/models/".length));
    return await handleAnthropicModels(gateway, res, rest, req.url ?? path, id);
  } catch (err) {
    // Once a stream's headers are out its errors are events; the server ends what is left.
    if (res.headersSent) throw err;
    sendAnthropicError(req, res, rest.call, err);
  }
}

/** Anthropic's `x-api-key` header, else a bearer token (Anthropic SDKs send `authToken` that way). */
function credentials(req: HttpRequest): string | undefined {
  const key = req.headers["x-api-key"];
  if (typeof key === "string" && key.trim() !== "") return key.trim();
  return bearerToken(req.headers.authorization);
}

function allow(res: HttpResponse, method: string, allowed: string): void {
  if (method === allowed) return;
  res.setHeader("allow", allowed);
  throw new SluiceError("method_not_allowed", `use ${allowed} for this endpoint`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SluiceError("invalid_request", "the model in the path is not valid percent-encoded UTF-8", { param: "model" });
  }
}
