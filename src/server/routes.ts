import type { Gateway } from "../pipeline/gateway.js";
import { SluiceError } from "../errors/sluice-error.js";
import { noteCaller, type RestCall, type ServerCall } from "./call.js";
import { bearerToken } from "./http/body.js";
import { sendJson } from "./http/respond.js";
import type { HttpRequest, HttpResponse } from "./http/types.js";
import { handleChatCompletions } from "./rest/chat-completions.js";
import { handleModels } from "./rest/models.js";
import { handleCountTokens } from "./rest/count-tokens.js";
import { handleEmbeddings } from "./rest/embeddings.js";
import { anthropicRoute, handleAnthropic } from "./rest/anthropic/routes.js";
import { handleMcp, MCP_METHODS } from "./rest/mcp.js";
import type { McpGateway } from "../mcp/mcp-gateway.js";
import { serveConsole } from "./console-assets.js";

export interface RestContext {
  gateway: Gateway;
  /** The MCP gateway at /mcp, when configured. */
  mcp?: McpGateway | undefined;
  maxBodyBytes: number;
  isReady(): boolean;
}

/**
 * The plain-HTTP routes: the OpenAI-compatible API and the operational endpoints. Kept off
 * Connect's router on purpose: this is the hot path for OpenAI SDK traffic. The path and
 * method are resolved first (404, 405), then the caller is authenticated (401), and only then
 * does a handler read the body. Handlers throw; the node handler turns what they throw into
 * the OpenAI error body (http/respond.ts `sendError`).
 */
export async function handleRest(ctx: RestContext, req: HttpRequest, res: HttpResponse, path: string, rest: RestCall): Promise<void> {
  const method = req.method ?? "GET";
  const { gateway } = ctx;

  // The Anthropic-compatible surface answers in its own shapes, errors included.
  const anthropic = anthropicRoute(path, req);
  if (anthropic) return handleAnthropic(anthropic, gateway, req, res, path, rest);
  if (path === "/v1/chat/completions") {
    allow(res, method, "POST");
    authenticate(gateway, req, rest.call);
    return handleChatCompletions(gateway, req, res, rest);
  }
  if (path === "/v1/models" || path.startsWith("/v1/models/")) {
    allow(res, method, "GET");
    authenticate(gateway, req, rest.call);
    const id = path === "/v1/models" ? undefined : decodePathSegment(path.slice("/v1/models/".length), "model");
    return handleModels(gateway, res, rest, id);
  }
  if (path === "/v1/embeddings") {
    allow(res, method, "POST");
    authenticate(gateway, req, rest.call);
    return handleEmbeddings(gateway, req, res, rest);
  }
  if (path === "/v1/tokens/count") {
    allow(res, method, "POST");
    authenticate(gateway, req, rest.call);
    return handleCountTokens(gateway, req, res, rest);
  }
  if (path === "/mcp" && ctx.mcp) {
    allow(res, method, MCP_METHODS);
    authenticate(gateway, req, rest.call);
    return handleMcp(ctx.mcp, req, res, rest);
  }
  if (path === "/healthz") return sendJson(res, 200, '{"status":"ok"}');
  if (path === "/readyz") {
    return ctx.isReady() ? sendJson(res, 200, '{"status":"ready"}') : sendJson(res, 503, '{"status":"draining"}');
  }
  if (path === "/metrics") {
    const registry = gateway.metrics.registry;
    const text = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType });
    res.end(text);
    return;
  }
  if (path === "/console" || path.startsWith("/console/")) return serveConsole(req, res, path);
  throw new SluiceError("not_found", `no route for ${method} ${path}`);
}

/** A percent-encoded path segment; malformed encoding (`%E0%A4%A`) is the caller's 400, not a URIError. */
function decodePathSegment(segment: string, param: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SluiceError("invalid_request", `the ${param} in the path is not valid percent-encoded UTF-8`, { param });
  }
}

function allow(res: HttpResponse, method: string, allowed: string | readonly string[]): void {
  if (typeof allowed === "string" ? method === allowed : allowed.includes(method)) return;
  const names = typeof allowed === "string" ? allowed : allowed.join(", ");
  res.setHeader("allow", names);
  throw new SluiceError("method_not_allowed", `use ${names} for this endpoint`);
}

/** The caller from its bearer token, before any body is read; throws `unauthenticated`. */
function authenticate(gateway: Gateway, req: HttpRequest, call: ServerCall): void {
  noteCaller(call, gateway.authenticate(bearerToken(req.headers.authorization)));
}
