import { randomUUID } from "node:crypto";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  isInitializeRequest,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../core/principal.js";
import { toJsonRpcError } from "./errors.js";
import type { McpMetrics } from "./metrics.js";
import type { McpCalls } from "./calls.js";

/** One HTTP request to /mcp, authenticated by the server before its body was read. */
export interface McpHttpRequest {
  method: string;
  /** The request's absolute URL (the SDK reads it; any host will do). */
  url: string;
  headers: Headers;
  /** POST: the parsed JSON body. */
  body?: unknown;
  principal: Principal;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  /** The key that opened the session: only it may use the session id. */
  keyId: string;
  lastSeen: number;
}

/**
 * The Streamable HTTP side of the MCP gateway: sessions (the `Mcp-Session-Id` the SDK's
 * transport hands out at initialize), each with its own SDK `Server` whose handlers go to the
 * shared McpCalls. A session belongs to the key that opened it: another key presenting its id
 * gets 404 like an unknown one. Idle sessions are closed after `mcp.session_idle_ms`; at most
 * `mcp.max_sessions` are open.
 */
export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly calls: McpCalls,
    private readonly metrics: McpMetrics,
    private readonly limits: { idleMs: number; maxSessions: number },
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(60_000, limits.idleMs / 2)));
    this.sweeper.unref();
  }

  async handle(req: McpHttpRequest): Promise<Response> {
    if (req.principal.keyId === ANONYMOUS_KEY_ID && !fromLoopback(req.headers)) {
      return jsonRpcError(403, -32000, "without API keys, /mcp answers only requests to and from a loopback host name (Host and Origin)", { code: "permission_denied" });
    }
    const authInfo: AuthInfo = { token: "", clientId: req.principal.keyId, scopes: [], extra: { principal: req.principal } };
    const webRequest = new Request(req.url, { method: req.method, headers: req.headers });
    const options = { authInfo, ...(req.body !== undefined ? { parsedBody: req.body } : {}) };
    const id = req.headers.get("mcp-session-id");
    if (id) {
      const session = this.sessions.get(id);
      if (!session || session.keyId !== req.principal.keyId) return jsonRpcError(404, -32001, "Session not found");
      session.lastSeen = Date.now();
      return session.transport.handleRequest(webRequest, options);
    }
    if (req.method !== "POST" || !isInitializeRequest(req.body)) {
      return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    }
    if (this.sessions.size >= this.limits.maxSessions) {
      return jsonRpcError(503, -32000, "too many open MCP sessions; try again later", { code: "unavailable", retry_after_s: 5 }, { "retry-after": "5" });
    }
    return (await this.open(req.principal.keyId)).handleRequest(webRequest, options);
  }

  /** Tells every session's client that the lists changed (an upstream restarted or changed its tools or prompts). */
  listsChanged(): void {
    for (const { server } of this.sessions.values()) {
      server.sendToolListChanged().catch(() => undefined);
      server.sendPromptListChanged().catch(() => undefined);
    }
  }

  /** Ends every session's standalone GET stream (the client may open it again). */
  endStreams(): void {
    for (const { transport } of this.sessions.values()) transport.closeStandaloneSSEStream();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.sessions.values()].map((s) => s.transport.close()));
    this.sessions.clear();
    this.metrics.sessions.set(0);
  }

  private async open(keyId: string): Promise<WebStandardStreamableHTTPServerTransport> {
    const server = new Server({ name: "sluice", version: "0.1.0" }, { capabilities: { tools: { listChanged: true }, prompts: { listChanged: true } } });
    server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => ({ tools: this.calls.listTools(principalOf(extra.authInfo)) }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      try {
        return await this.calls.callTool(principalOf(extra.authInfo), request.params.name, request.params.arguments, extra.signal);
      } catch (err) {
        throw toJsonRpcError(err);
      }
    });
    server.setRequestHandler(ListPromptsRequestSchema, (_request, extra) => ({ prompts: this.calls.listPrompts(principalOf(extra.authInfo)) }));
    server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
      try {
        return await this.calls.getPrompt(principalOf(extra.authInfo), request.params.name, request.params.arguments, extra.signal);
      } catch (err) {
        throw toJsonRpcError(err);
      }
    });
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server, keyId, lastSeen: Date.now() });
        this.metrics.sessions.set(this.sessions.size);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId && this.sessions.get(transport.sessionId)?.transport === transport) this.sessions.delete(transport.sessionId);
      this.metrics.sessions.set(this.sessions.size);
    };
    await server.connect(transport);
    return transport;
  }

  private sweep(): void {
    const cutoff = Date.now() - this.limits.idleMs;
    for (const session of this.sessions.values()) if (session.lastSeen < cutoff) void session.transport.close();
  }
}

/** The key id of callers when no keys are configured (the pipeline's anonymous principal). */
const ANONYMOUS_KEY_ID = "anonymous";
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Without keys, a browser page could reach a loopback gateway's tools through DNS rebinding
 * (the MCP spec asks servers to validate Origin): the Host, and the Origin when a browser sends
 * one, must name a loopback host.
 */
function fromLoopback(headers: Headers): boolean {
  const hostname = (value: string | null) => {
    if (value === null) return undefined;
    try {
      return new URL(value.includes("://") ? value : `http://${value}`).hostname;
    } catch {
      return "";
    }
  };
  const host = hostname(headers.get("host"));
  const origin = hostname(headers.get("origin"));
  return host !== undefined && LOOPBACK_NAMES.has(host) && (origin === undefined || LOOPBACK_NAMES.has(origin));
}

/** The caller of a request, as handle() put it in the SDK's auth info. */
function principalOf(authInfo: AuthInfo | undefined): Principal {
  const principal = authInfo?.extra?.principal as Principal | undefined;
  if (!principal) throw new Error("MCP request without an authenticated caller");
  return principal;
}

function jsonRpcError(status: number, code: number, message: string, data?: unknown, headers: Record<string, string> = {}): Response {
  const body = JSON.stringify({ jsonrpc: "2.0", error: { code, message, ...(data ? { data } : {}) }, id: null });
  return new Response(body, { status, headers: { "content-type": "application/json", ...headers } });
}
