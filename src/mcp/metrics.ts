import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * The MCP gateway's Prometheus series, in the gateway's registry. Labels are bounded: `server`
 * is a configured id (or `unknown`), `tool` and `prompt` a name the server itself listed (or
 * `other` / `unknown`, see McpCalls), `outcome` `ok`, `tool_error` or a catalog code.
 */
export class McpMetrics {
  readonly calls: Counter<"server" | "tool" | "outcome">;
  readonly prompts: Counter<"server" | "prompt" | "outcome">;
  readonly duration: Histogram<"server">;
  readonly up: Gauge<"server">;
  readonly restarts: Counter<"server">;
  readonly sessions: Gauge;

  constructor(registry: Registry, servers: readonly string[]) {
    const registers = [registry];
    this.calls = new Counter({
      name: "sluice_mcp_tool_calls_total",
      help: "MCP tool calls by server, tool and outcome (ok, tool_error, or an error code).",
      labelNames: ["server", "tool", "outcome"] as const,
      registers,
    });
    this.prompts = new Counter({
      name: "sluice_mcp_prompt_gets_total",
      help: "MCP prompts/get calls by server, prompt and outcome (ok or an error code).",
      labelNames: ["server", "prompt", "outcome"] as const,
      registers,
    });
    this.duration = new Histogram({
      name: "sluice_mcp_call_duration_seconds",
      help: "MCP tool call and prompt get time at the gateway (allow-list, limits, the upstream call, result scan), by server.",
      labelNames: ["server"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.up = new Gauge({
      name: "sluice_mcp_server_up",
      help: "1 when the gateway is connected to the MCP server, else 0.",
      labelNames: ["server"] as const,
      registers,
    });
    this.restarts = new Counter({
      name: "sluice_mcp_server_restarts_total",
      help: "Reconnections (stdio: restarts of the process) after a lost or failed connection, by server.",
      labelNames: ["server"] as const,
      registers,
    });
    this.sessions = new Gauge({ name: "sluice_mcp_sessions", help: "Open MCP sessions at /mcp.", registers });
    for (const server of servers) this.up.set({ server }, 0);
  }
}
