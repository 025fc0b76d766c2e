import { once } from "node:events";
import type { McpGateway } from "../../mcp/mcp-gateway.js";
import type { RestCall } from "../call.js";
import { readJsonBody } from "../http/body.js";
import { endResponse } from "../http/respond.js";
import type { HttpRequest, HttpResponse } from "../http/types.js";

/** The methods of the Streamable HTTP transport: POST messages, GET the server's stream, DELETE the session. */
export const MCP_METHODS = ["POST", "GET", "DELETE"] as const;

/** Hop-by-hop headers (the SDK sets `connection` on streams): HTTP/2 forbids them, and Node manages them on HTTP/1.1. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding"]);

/**
 * /mcp: the MCP gateway over the Streamable HTTP transport. The caller was authenticated before
 * this reads the body (401 without a key, as on every route); the body is read with the
 * server's limit, and the MCP SDK's answer (JSON, or an SSE stream of JSON-RPC messages) is
 * written back as it comes, until the client goes away or the server stops the call.
 */
export async function handleMcp(mcp: McpGateway, req: HttpRequest, res: HttpResponse, rest: RestCall): Promise<void> {
  rest.call.record.operation = "mcp";
  const method = req.method ?? "GET";
  const body = method === "POST" ? await readJsonBody(req, rest.maxBodyBytes) : undefined;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const authority = req.headers[":authority"];
  if (!headers.has("host") && typeof authority === "string") headers.set("host", authority); // HTTP/2
  const response = await mcp.handle({ method, url: "http://sluice.invalid/mcp", headers, body, principal: rest.call.principal! });

  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) out[name] = value;
  });
  res.writeHead(response.status, out);
  if (!response.body) return endResponse(req, res);
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  res.once("close", stop);
  rest.signal.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!(res as NodeJS.WritableStream).write(value)) await Promise.race([once(res, "drain"), once(res, "close")]);
    }
    if (!res.destroyed) endResponse(req, res);
  } finally {
    res.off("close", stop);
    rest.signal.removeEventListener("abort", stop);
  }
}
