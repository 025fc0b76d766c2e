import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startTestGateway } from "../support/gateway.js";

/**
 * The MCP gateway and the server's drain, and a server that never comes up: each with a gateway
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

  it("a server that never starts: a call to it says so, within its timeout", async () => {
    const gateway = await startTestGateway(`
mcp:
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
      await client.close();
    } finally {
      await gateway.close();
    }
  });
});
