/**
 * A tenant's MCP allow-list (`tenants[].mcp.tools`, `tenants[].mcp.prompts`): namespaced names
 * or globs, one server each. `files.*` admits every tool of `files`; `search.web_*` the tools
 * of `search` whose name starts with `web_`; a lone `*` every tool of every server. The server
 * part is matched exactly (or is `*`): a `*` never crosses from a name into another server's
 * namespace.
 */
export type ToolMatcher = (server: string, tool: string) => boolean;

export function toolMatcher(patterns: readonly string[]): ToolMatcher {
  if (patterns.includes("*")) return () => true;
  const rules = patterns.map((pattern) => {
    const dot = pattern.indexOf(".");
    const server = dot === -1 ? pattern : pattern.slice(0, dot);
    const tool = dot === -1 ? "" : pattern.slice(dot + 1);
    const re = new RegExp(`^${tool.split("*").map(escapeRegExp).join(".*")}$`, "s");
    return { server, tool: re };
  });
  return (server, tool) => rules.some((r) => (r.server === "*" || r.server === server) && r.tool.test(tool));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/** Problems of one allow-list pattern, for `config check` (`known`: the configured server ids). */
export function toolPatternProblem(pattern: string, known: ReadonlySet<string>): string | undefined {
  if (pattern === "*") return undefined;
  const dot = pattern.indexOf(".");
  if (dot <= 0 || dot === pattern.length - 1) return `expected "<server id>.<name or glob>" (or "*"), got ${JSON.stringify(pattern)}`;
  const server = pattern.slice(0, dot);
  if (server !== "*" && !known.has(server)) return `${JSON.stringify(server)} is not an mcp.servers[].id`;
  return undefined;
}
