import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

export interface FakeSearchServer {
  readonly url: string;
  /** Tool calls received, by tool name (what reached the server, whatever the gateway said). */
  readonly calls: Map<string, number>;
  /** The Authorization header of the requests received. */
  readonly authorizations: string[];
  close(): Promise<void>;
}

/**
 * A real MCP server over Streamable HTTP (the official SDK's `McpServer` and node transport,
 * sessions on), standing in for a remote MCP server behind the gateway. It requires
 * `Authorization: Bearer <token>` (401 otherwise), so the gateway's `headers` config is
 * exercised. Tools: web_search (a canned result naming the query), admin_reset (must never be
 * reached by a tenant whose allow-list leaves it out).
 */
export async function startFakeSearchServer(token: string, port = 0): Promise<FakeSearchServer> {
  const calls = new Map<string, number>();
  const authorizations: string[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const count = (tool: string) => calls.set(tool, (calls.get(tool) ?? 0) + 1);

  const newServer = () => {
    const server = new McpServer({ name: "search", version: "1.0.0" });
    server.registerTool("web_search", { description: "Searches the web.", inputSchema: { query: z.string() } }, async ({ query }) => {
      count("web_search");
      return { content: [{ type: "text", text: `3 results for ${query}` }] };
    });
    server.registerTool("admin_reset", { description: "Resets the index." }, async () => {
      count("admin_reset");
      return { content: [{ type: "text", text: "index reset" }] };
    });
    return server;
  };

  const httpServer = http.createServer(async (req, res) => {
    authorizations.push(req.headers.authorization ?? "");
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
      return;
    }
    let body: unknown;
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    }
    const id = req.headers["mcp-session-id"] as string | undefined;
    let transport = id ? transports.get(id) : undefined;
    if (!transport) {
      if (id || !isInitializeRequest(body)) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
        return;
      }
      const created = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (sid) => void transports.set(sid, created) });
      created.onclose = () => created.sessionId && transports.delete(created.sessionId);
      await newServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  const address = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/mcp`,
    calls,
    authorizations,
    async close() {
      await Promise.allSettled([...transports.values()].map((t) => t.close()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
