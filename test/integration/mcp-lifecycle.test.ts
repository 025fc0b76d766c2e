import { request } from "node:http";
import { connect as connectH2 } from "node:http2";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startTestGateway } from "../support/gateway.js";

/**
 * The MCP gateway around its sessions and servers: the drain, DNS-rebinding refusals without keys,
 * HTTP/2, and a server that never comes up; each with a gateway
 * of its own (the drain closes it). No keys: the loopback-only anonymous caller sees every tool.
 */
const FILES_SERVER = resolve(import.meta.dirname, "../fixtures/mcp/files-server.mjs");
const DOCS = resolve(import.meta.dirname, "../fixtures/mcp/docs");

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "mcp-drain-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

describe("MCP gateway lifecycle", () => {
  it("drains promptly with sessions open, letting a call in flight finish", async () => {
    const gateway = await startTestGateway(`
mcp:
  servers: [ { id: files, command: [ "${process.execPath}", "${FILES_SERVER}" ], env: { ROOT: "${DOCS}" } } ]
`);
    const client = await connect(gateway.url);
    for (let i = 0; i < 200 && (await client.listTools()).tools.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const inFlight = client.callTool({ name: "files.sleep", arguments: { ms: 600 } });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await gateway.close();
    // The client's GET stream stays open as long as it is connected; the drain (10 s by default) does not wait for it.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(((await inFlight) as CallToolResult).content[0]).toEqual({ type: "text", text: "slept 600 ms" });
    await client.close();
  });

  it("without keys, refuses requests whose Host or Origin is not a loopback name (DNS rebinding)", async () => {
    const gateway = await startTestGateway(`
mcp:
  servers: [ { id: broken, command: [ "${process.execPath}", "-e", "process.exit(1)" ] } ]
`);
    try {
      const port = new URL(gateway.url).port;
      const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
      const post = (headers: Record<string, string>) =>
        fetch(`${gateway.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: init });
      // fetch sets Host from the URL (127.0.0.1); a rebound name or a foreign page's Origin is refused.
      expect((await post({})).status).toBe(200);
      expect((await post({ origin: `http://localhost:${port}` })).status).toBe(200);
      expect((await post({ origin: "http://evil.example" })).status).toBe(403);
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = request(`${gateway.url}/mcp`, { method: "POST", headers: { host: `evil.example:${port}`, "content-type": "application/json", accept: "application/json, text/event-stream" } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on("error", reject);
        req.end(init);
      });
      expect(rebound).toBe(403);

      // The same over HTTP/2 (h2c): the host comes as :authority; the SSE answer has no hop-by-hop headers.
      const session = connectH2(gateway.url);
      try {
        const answer = await new Promise<{ status: number; sessionId: string; body: string }>((resolve, reject) => {
          const stream = session.request({ ":method": "POST", ":path": "/mcp", "content-type": "application/json", accept: "application/json, text/event-stream" });
          let status = 0;
          let sessionId = "";
          let body = "";
          stream.on("response", (headers) => {
            status = Number(headers[":status"]);
            sessionId = String(headers["mcp-session-id"] ?? "");
          });
          stream.setEncoding("utf8");
          stream.on("data", (chunk: string) => {
            body += chunk;
            if (body.includes("\n\n")) stream.close(); // the initialize result, one SSE event
          });
          stream.on("close", () => resolve({ status, sessionId, body }));
          stream.on("error", reject);
          stream.end(init);
        });
        expect(answer.status).toBe(200);
        expect(answer.sessionId).toMatch(/^[0-9a-f-]{36}$/);
        expect(answer.body).toContain('"serverInfo":{"name":"sluice"');
      } finally {
        session.close();
      }
    } finally {
      await gateway.close();
    }
  });

  it("a server that never starts: a call to it says so, within its timeout; sessions are capped", async () => {
    const gateway = await startTestGateway(`
mcp:
  max_sessions: 1
  servers: [ { id: broken, command: [ "${process.execPath}", "-e", "process.exit(1)" ], timeout_ms: 1500 } ]
`);
    try {
      const client = await connect(gateway.url);
      expect((await client.listTools()).tools).toEqual([]);
      const started = Date.now();
      const err = await client.callTool({ name: "broken.anything" }).then(
        () => undefined,
        (e: unknown) => e as McpError,
      );
      expect(Date.now() - started).toBeLessThan(4000);
      expect(err).toBeInstanceOf(McpError);
      expect(err!.code).toBe(-32000);
      expect(err!.data).toMatchObject({ code: "upstream_unavailable" });
      expect(err!.message).toContain("MCP server broken");
      // max_sessions: 1, and this client holds it: another initialize is refused until it ends.
      const second = await connect(gateway.url).then(
        () => undefined,
        (e: unknown) => e as StreamableHTTPError,
      );
      expect(second).toBeInstanceOf(StreamableHTTPError);
      expect(second!.code).toBe(503);
      await (client.transport as StreamableHTTPClientTransport).terminateSession();
      await client.close();
      await (await connect(gateway.url)).close();
    } finally {
      await gateway.close();
    }
  });
});
