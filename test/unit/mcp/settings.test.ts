import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/app/load-config.js";
import { ConfigError } from "../../../src/config/load.js";
import { hashApiKey } from "../../../src/limits/keys.js";
import { toolMatcher } from "../../../src/mcp/allow-list.js";
import { mcpSettings } from "../../../src/mcp/settings.js";

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, "t.yaml", {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

const hash = hashApiKey("sk-sluice-test");

describe("MCP tool allow-lists", () => {
  it("matches a server's tools by glob, never across into another server", () => {
    const allowed = toolMatcher(["files.*", "search.web_*", "calc.add"]);
    expect(allowed("files", "read_file")).toBe(true);
    expect(allowed("files", "dir.with.dots")).toBe(true);
    expect(allowed("search", "web_search")).toBe(true);
    expect(allowed("search", "admin_reset")).toBe(false);
    expect(allowed("calc", "add")).toBe(true);
    expect(allowed("calc", "add2")).toBe(false);
    expect(allowed("filesX", "read_file")).toBe(false);
    // Regex characters in a pattern are literal.
    expect(toolMatcher(["calc.a+b"])("calc", "aab")).toBe(false);
    expect(toolMatcher(["calc.a+b"])("calc", "a+b")).toBe(true);
  });

  it('"*" allows everything; "*.name" that tool on any server; nothing allows nothing', () => {
    expect(toolMatcher(["*"])("any", "tool")).toBe(true);
    expect(toolMatcher(["*.ping"])("a", "ping")).toBe(true);
    expect(toolMatcher(["*.ping"])("a", "pong")).toBe(false);
    expect(toolMatcher([])("a", "ping")).toBe(false);
  });
});

describe("MCP config", () => {
  const servers = `
mcp:
  servers:
    - { id: files, command: [ node, files-server.mjs ], env: { ROOT: /srv/docs } }
    - { id: search, url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer x" } }
`;

  it("accepts the documented shape, with defaults", () => {
    const config = parseConfig(`${servers}
tenants:
  - { id: acme, keys: [ { id: k, hash: "${hash}" } ], mcp: { tools: [ "files.*", "search.web_search" ], rpm: 30 } }
  - { id: beta, keys: [ { id: k2, hash: "${hash.replace(/.$/, "0")}" } ] }
`, "t.yaml", {});
    const settings = mcpSettings(config)!;
    expect(settings.servers.map((s) => [s.id, s.kind, s.timeoutMs])).toEqual([["files", "stdio", 30_000], ["search", "http", 30_000]]);
    expect(settings.allowed("acme")("search", "web_search")).toBe(true);
    expect(settings.allowed("acme")("search", "admin")).toBe(false);
    // A tenant without an mcp section gets no tools; so does an unknown tenant.
    expect(settings.allowed("beta")("files", "read_file")).toBe(false);
    expect(settings.allowed("default")("files", "read_file")).toBe(false);
    expect(settings.tenantRpm("acme")).toBe(30);
    expect(settings.scanResults).toBe(false);
  });

  it("with no tenants at all, the anonymous (loopback) caller may use every tool", () => {
    expect(mcpSettings(parseConfig(servers, "t.yaml", {}))!.allowed("default")("files", "anything")).toBe(true);
  });

  it("no servers: no MCP gateway", () => {
    expect(mcpSettings(parseConfig("", "t.yaml", {}))).toBeUndefined();
    expect(mcpSettings(parseConfig("mcp: { servers: [] }", "t.yaml", {}))).toBeUndefined();
  });

  it("names each bad field", () => {
    const found = problems(`
mcp:
  scan_results: true
  servers:
    - { id: "a.b", command: [ node ] }
    - { id: both, command: [ node ], url: "http://x/mcp" }
    - { id: neither }
    - { id: web, url: "ftp://x", env: { A: b } }
    - { id: web, url: "http://x/mcp" }
    - { id: std, command: [ node ], headers: { A: b } }
    - { id: x, command: [ node ], timeout: 5 }
tenants:
  - { id: acme, keys: [ { id: k, hash: "${hash}" } ], mcp: { tools: [ "nope.read", "files", "*" ] } }
`);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^mcp\.servers\[6\]\.timeout: unknown field/)]));
    const checked = problems(`
mcp:
  scan_results: true
  servers:
    - { id: "a.b", command: [ node ] }
    - { id: both, command: [ node ], url: "http://x/mcp" }
    - { id: neither }
    - { id: web, url: "ftp://x", env: { A: b } }
    - { id: web, url: "http://x/mcp" }
    - { id: std, command: [ node ], headers: { A: b } }
tenants:
  - { id: acme, keys: [ { id: k, hash: "${hash}" } ], mcp: { tools: [ "nope.read", "files", "*" ], prompts: [ "web.x", "nope.*" ] } }
`);
    expect(checked).toEqual([
      'mcp.servers[0].id: letters, digits, "_" and "-" only (at most 64), got "a.b"',
      "mcp.servers[1]: needs exactly one of command (stdio) and url (Streamable HTTP)",
      "mcp.servers[2]: needs exactly one of command (stdio) and url (Streamable HTTP)",
      'mcp.servers[3].url: expected an http(s) URL, got "ftp://x"',
      "mcp.servers[3]: env and cwd apply to stdio servers (command) only",
      'mcp.servers[4].id: duplicate server id "web"',
      "mcp.servers[5].headers: apply to Streamable HTTP servers (url) only",
      "mcp.scan_results: needs the pii slot (policies.pii)",
      'tenants[0].mcp.tools[0]: "nope" is not an mcp.servers[].id',
      'tenants[0].mcp.tools[1]: expected "<server id>.<name or glob>" (or "*"), got "files"',
      'tenants[0].mcp.prompts[1]: "nope" is not an mcp.servers[].id',
    ]);
  });
});
