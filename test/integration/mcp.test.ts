import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { newApiKey } from "../../src/limits/keys.js";
import { startTestGateway } from "../support/gateway.js";
import { ledgerRecords } from "../support/ledger.js";
import { startFakeSearchServer, type FakeSearchServer } from "../support/mcp-http-server.js";

/**
 * The MCP gateway end to end: the official MCP client (`Client` + `StreamableHTTPClientTransport`)
 * against /mcp, in front of a real stdio MCP server (test/fixtures/mcp/files-server.mjs, started
 * and supervised by the gateway) and a real Streamable HTTP MCP server (test/support), both
 * written with the same SDK. Needs `npm run build:wasm` (the pii slot scans tool results).
 */
const FIXTURES = resolve(import.meta.dirname, "../fixtures/mcp");
const SEARCH_TOKEN = "search-secret-token";
const acme = newApiKey();
const beta = newApiKey();
const dataDir = mkdtempSync(join(tmpdir(), "sluice-mcp-"));

let search: FakeSearchServer;
let gateway: RunningGateway;
const clients: Client[] = [];

async function connect(key: string | undefined): Promise<Client> {
  const client = new Client({ name: "mcp-test", version: "1.0.0" });
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

async function callError(promise: Promise<unknown>): Promise<McpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

async function metrics(): Promise<string> {
  return (await fetch(`${gateway.url}/metrics`)).text();
}

async function until(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  search = await startFakeSearchServer(SEARCH_TOKEN);
  gateway = await startTestGateway(
    `
data_dir: ${dataDir}
tenants:
  - id: acme
    keys: [ { id: acme-agent, hash: "${acme.hash}" } ]
    mcp: { tools: [ "files.read_file", "files.pid", "files.sleep", "files.env", "search.web_search" ], prompts: [ "files.summarize" ] }
  - id: beta
    keys: [ { id: beta-agent, hash: "${beta.hash}" } ]
    mcp: { tools: [ "search.*" ], rpm: 2 }
policies:
  pii: { actions: { EMAIL_ADDRESS: placeholder, AWS_ACCESS_KEY: block } }
mcp:
  scan_results: true
  servers:
    - { id: files, command: [ "${process.execPath}", "${join(FIXTURES, "files-server.mjs")}" ], env: { ROOT: "${join(FIXTURES, "docs")}", GREETING: "hello from the config" }, timeout_ms: 4000 }
    - { id: search, url: "${search.url}", headers: { Authorization: "Bearer \${SEARCH_TOKEN}" } }
`,
    { ...process.env, SEARCH_TOKEN },
  );
  // Both servers connect in the background: wait until their tools are listed.
  const probe = await connect(acme.key);
  await until(async () => (await probe.listTools()).tools.length === 5, "both MCP servers to connect", 50_000);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gateway?.close();
  await search?.close();
});

describe("MCP gateway: listing and calling", () => {
  it("lists the tools of both servers, namespaced by server id and filtered by the tenant's allow-list", async () => {
    const acmeTools = (await (await connect(acme.key)).listTools()).tools.map((t) => t.name).sort();
    expect(acmeTools).toEqual(["files.env", "files.pid", "files.read_file", "files.sleep", "search.web_search"]);
    const betaTools = (await (await connect(beta.key)).listTools()).tools.map((t) => t.name).sort();
    expect(betaTools).toEqual(["search.admin_reset", "search.web_search"]);
    // The upstream's schema comes through unchanged under the new name.
    const read = (await (await connect(acme.key)).listTools()).tools.find((t) => t.name === "files.read_file")!;
    expect(read.inputSchema.properties).toHaveProperty("path");
  });

  it("calls a stdio server's tool and an HTTP server's tool (with the configured env and headers)", async () => {
    const client = await connect(acme.key);
    expect(text(await client.callTool({ name: "files.read_file", arguments: { path: "hello.txt" } }))).toBe("Hello from the files server.\n");
    expect(text(await client.callTool({ name: "files.env" }))).toBe("hello from the config");
    expect(text(await client.callTool({ name: "search.web_search", arguments: { query: "sluice" } }))).toBe("3 results for sluice");
    expect(search.authorizations.every((a) => a === `Bearer ${SEARCH_TOKEN}`)).toBe(true);
  });

  it("passes a tool's own error result on as a result (isError), recorded as tool_error", async () => {
    const result = (await (await connect(acme.key)).callTool({ name: "files.read_file", arguments: { path: "missing.txt" } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("no such file");
  });
});

describe("MCP gateway: what a tenant may not do", () => {
  it("refuses a tool left out of the allow-list like an unknown one, and never reaches the server", async () => {
    const client = await connect(acme.key);
    const refused = await callError(client.callTool({ name: "search.admin_reset" }));
    expect(refused.code).toBe(-32602);
    expect(refused.data).toEqual({ code: "not_found" });
    const unknown = await callError(client.callTool({ name: "search.no_such_tool" }));
    expect(unknown.code).toBe(-32602);
    expect(search.calls.get("admin_reset") ?? 0).toBe(0);
    // delete_file would exit the stdio server: refused, it is still the same process.
    const pid = text(await client.callTool({ name: "files.pid" }));
    await callError(client.callTool({ name: "files.delete_file", arguments: { path: "hello.txt" } }));
    expect(text(await client.callTool({ name: "files.pid" }))).toBe(pid);
  });

  it("answers 401 without a key and with a bad key, before any session exists", async () => {
    for (const key of [undefined, "sk-sluice-not-a-key"]) {
      const err = await connect(key).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StreamableHTTPError);
      expect((err as StreamableHTTPError).code).toBe(401);
    }
    const res = await fetch(`${gateway.url}/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
  });

  it("keeps a session to the key that opened it", async () => {
    const client = await connect(acme.key);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const res = await fetch(`${gateway.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${beta.key}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sessionId },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(404);
  });

  it("ends a session on DELETE: its id is unknown from then on", async () => {
    const client = await connect(acme.key);
    const transport = client.transport as StreamableHTTPClientTransport;
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    const res = await fetch(`${gateway.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${acme.key}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sessionId },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(404);
  });

  it("applies the tenant's tool-call rate limit (mcp.rpm)", async () => {
    const client = await connect(beta.key);
    await client.callTool({ name: "search.web_search", arguments: { query: "one" } });
    await client.callTool({ name: "search.web_search", arguments: { query: "two" } });
    const before = search.calls.get("web_search");
    const limited = await callError(client.callTool({ name: "search.web_search", arguments: { query: "three" } }));
    expect(limited.code).toBe(-32000);
    expect(limited.data).toMatchObject({ code: "rate_limited" });
    expect((limited.data as { retry_after_s: number }).retry_after_s).toBeGreaterThan(0);
    expect(search.calls.get("web_search")).toBe(before);
  });
});

describe("MCP gateway: upstream failures", () => {
  it("times out a slow tool with a clear JSON-RPC error, and the server keeps serving", async () => {
    const client = await connect(acme.key);
    const started = Date.now();
    const err = await callError(client.callTool({ name: "files.sleep", arguments: { ms: 10_000 } }));
    expect(Date.now() - started).toBeLessThan(8000);
    expect(err.code).toBe(-32001);
    expect(err.data).toEqual({ code: "upstream_timeout" });
    expect(err.message).toContain("did not answer tools/call within 4000 ms");
    expect(text(await client.callTool({ name: "files.sleep", arguments: { ms: 10 } }))).toBe("slept 10 ms");
  });

  it("restarts a crashed stdio server; the next call waits for it and works", async () => {
    const client = await connect(acme.key);
    const pid = Number(text(await client.callTool({ name: "files.pid" })));
    process.kill(pid, "SIGKILL");
    await until(async () => /sluice_mcp_server_up\{server="files"\} 0/.test(await metrics()), "the gateway to see the crash");
    expect(text(await client.callTool({ name: "files.read_file", arguments: { path: "hello.txt" } }))).toBe("Hello from the files server.\n");
    const newPid = Number(text(await client.callTool({ name: "files.pid" })));
    expect(newPid).not.toBe(pid);
    const m = await metrics();
    expect(m).toMatch(/sluice_mcp_server_restarts_total\{server="files"\} [1-9]/);
    expect(m).toMatch(/sluice_mcp_server_up\{server="files"\} 1/);
  });

  it("answers upstream_unavailable for an HTTP server that is gone", async () => {
    const client = await connect(acme.key);
    await search.close();
    const err = await callError(client.callTool({ name: "search.web_search", arguments: { query: "gone" } }));
    expect(err.code).toBe(-32000);
    expect(err.data).toMatchObject({ code: "upstream_unavailable" });
    // The other server is not affected.
    expect(text(await client.callTool({ name: "files.env" }))).toBe("hello from the config");
  });
});

describe("MCP gateway: prompts", () => {
  it("lists and gets the prompts the tenant's allow-list names, scanned like tool results", async () => {
    const client = await connect(acme.key);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(["files.summarize"]);
    const prompt = await client.getPrompt({ name: "files.summarize", arguments: { path: "contact.txt" } });
    const message = prompt.messages[0]!.content as { type: string; text: string };
    expect(message.text).toContain("Summarize this file:");
    expect(message.text).toContain("[EMAIL_ADDRESS]");
    expect(message.text).not.toContain("jane.doe@example.com");
    const refused = await callError(client.getPrompt({ name: "files.internal_notes" }));
    expect(refused.code).toBe(-32602);
    // A tenant without mcp.prompts sees none.
    expect((await (await connect(beta.key)).listPrompts()).prompts).toEqual([]);
  });
});

describe("MCP gateway: cancellation", () => {
  it("passes a client's cancellation on to the server and records the call as cancelled", async () => {
    const client = await connect(acme.key);
    const started = Date.now();
    await expect(client.callTool({ name: "files.sleep", arguments: { ms: 3000 } }, undefined, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await until(async () => {
      await gateway.gateway.flushLedger();
      return (await ledgerRecords(dataDir)).some((r) => r.outcome === "cancelled" && r.mcp?.tool === "sleep");
    }, "the cancelled call's ledger line");
    // Settled when the caller cancelled, not when the tool would have answered.
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

describe("MCP gateway: pii slot over tool results", () => {
  it("redacts personal data in a tool result (placeholders act as redactions)", async () => {
    const client = await connect(acme.key);
    const out = text(await client.callTool({ name: "files.read_file", arguments: { path: "contact.txt" } }));
    expect(out).not.toContain("jane.doe@example.com");
    expect(out).toContain("[EMAIL_ADDRESS]");
  });

  it("withholds a result holding a blocked type, naming the type and never the value", async () => {
    const client = await connect(acme.key);
    const err = await callError(client.callTool({ name: "files.read_file", arguments: { path: "credentials.txt" } }));
    expect(err.data).toMatchObject({ code: "policy_blocked" });
    expect(err.message).toContain("AWS_ACCESS_KEY");
    expect(err.message).not.toContain("AKIA");
  });
});

describe("MCP gateway: ledger and metrics", () => {
  const MARKER = "argument-marker-7f3a9c";

  it("records every call (tenant, key, server, tool, latency, outcome) and never its arguments", async () => {
    const client = await connect(acme.key);
    await client.callTool({ name: "files.read_file", arguments: { path: `${MARKER}.txt` } }); // a tool error
    await callError(client.callTool({ name: "search.admin_reset", arguments: { note: MARKER } })); // not allowed
    await callError(client.callTool({ name: `files.${MARKER}`, arguments: { note: MARKER } })); // no such tool
    await gateway.gateway.flushLedger();
    const records = (await ledgerRecords(dataDir)).filter((r) => r.mcp);
    const toolError = records.find((r) => r.errorCode === "tool_error");
    expect(toolError).toMatchObject({ tenant: "acme", keyId: "acme-agent", mcp: { server: "files", tool: "read_file" }, outcome: "error" });
    expect(toolError!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(records.some((r) => r.outcome === "ok" && r.mcp!.server === "search" && r.mcp!.tool === "web_search")).toBe(true);
    // Refusals: the caller sees not_found either way; the ledger tells a tool it may not call from a made-up name.
    expect(records.some((r) => r.outcome === "refused" && r.errorCode === "permission_denied" && r.mcp!.server === "search" && r.mcp!.tool === "admin_reset")).toBe(true);
    expect(records.some((r) => r.outcome === "refused" && r.errorCode === "not_found" && r.mcp!.server === "unknown" && r.mcp!.tool === "unknown")).toBe(true);
    expect(records.some((r) => r.errorCode === "upstream_timeout" && r.mcp!.tool === "sleep")).toBe(true);
    expect(records.some((r) => r.tenant === "beta" && r.errorCode === "rate_limited")).toBe(true);
    expect(records.some((r) => r.outcome === "ok" && r.mcp!.server === "files" && r.mcp!.prompt === "summarize" && r.mcp!.tool === undefined)).toBe(true);
    const files = readdirSync(join(dataDir, "usage")).map((f) => readFileSync(join(dataDir, "usage", f), "utf8")).join("");
    expect(files).toContain("read_file");
    expect(files).not.toContain(MARKER);
    expect(files).not.toContain("jane.doe");
  });

  it("counts calls in bounded series", async () => {
    const m = await metrics();
    expect(m).toMatch(/sluice_mcp_tool_calls_total\{server="files",tool="read_file",outcome="ok"\} [1-9]/);
    expect(m).toMatch(/sluice_mcp_tool_calls_total\{server="unknown",tool="unknown",outcome="not_found"\} [1-9]/);
    expect(m).toMatch(/sluice_mcp_tool_calls_total\{server="search",tool="admin_reset",outcome="permission_denied"\} [1-9]/);
    expect(m).toContain('sluice_mcp_call_duration_seconds_count{server="files"}');
    expect(m).toMatch(/sluice_mcp_prompt_gets_total\{server="files",prompt="summarize",outcome="ok"\} 1/);
    expect(m).toMatch(/sluice_mcp_prompt_gets_total\{server="files",prompt="internal_notes",outcome="permission_denied"\} 1/);
    expect(m).not.toContain(MARKER);
  });
});
