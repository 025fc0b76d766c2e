import type { Config } from "../gen/sluice/v1/config_pb.js";
import { toolMatcher, toolPatternProblem, type ToolMatcher } from "./allow-list.js";

/** One configured MCP server, as the gateway connects to it. */
export type UpstreamSettings = {
  id: string;
  /** Longest wait for one call, and for a restarting server to be back. */
  timeoutMs: number;
} & (
  | { kind: "stdio"; command: string; args: string[]; env: Record<string, string>; cwd?: string }
  | { kind: "http"; url: URL; headers: Record<string, string> }
);

/** The `mcp` section and the tenants' `mcp` sections, typed and with their defaults. */
export interface McpSettings {
  servers: UpstreamSettings[];
  scanResults: boolean;
  sessionIdleMs: number;
  maxSessions: number;
  /** The tools a tenant may see and call; a tenant without `mcp.tools` gets none. */
  allowed(tenant: string): ToolMatcher;
  /** The prompts a tenant may list and get (`mcp.prompts`, the same globs); none by default. */
  allowedPrompts(tenant: string): ToolMatcher;
  /** A tenant's own tool-call rpm (`tenants[].mcp.rpm`), 0 for none. */
  tenantRpm(tenant: string): number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
const DEFAULT_MAX_SESSIONS = 1000;
/** The tenant of callers when no keys are configured (loopback-only deployments): every tool. */
const ANONYMOUS_TENANT = "default";
const NONE: ToolMatcher = () => false;
const ALL: ToolMatcher = () => true;

/** The settings of the MCP gateway, or undefined when `mcp.servers` is empty (no /mcp). */
export function mcpSettings(config: Config): McpSettings | undefined {
  const mcp = config.mcp;
  if (!mcp || mcp.servers.length === 0) return undefined;
  const defaultTimeout = mcp.timeoutMs || DEFAULT_TIMEOUT_MS;
  const servers = mcp.servers.map((s): UpstreamSettings => {
    const timeoutMs = s.timeoutMs || defaultTimeout;
    if (s.url) return { id: s.id, timeoutMs, kind: "http", url: new URL(s.url), headers: { ...s.headers } };
    const [command, ...args] = s.command;
    return { id: s.id, timeoutMs, kind: "stdio", command: command!, args, env: { ...s.env }, ...(s.cwd ? { cwd: s.cwd } : {}) };
  });
  const matchers = new Map(config.tenants.map((t) => [t.id, t.mcp ? toolMatcher(t.mcp.tools) : NONE]));
  const promptMatchers = new Map(config.tenants.map((t) => [t.id, t.mcp ? toolMatcher(t.mcp.prompts) : NONE]));
  const rpm = new Map(config.tenants.map((t) => [t.id, t.mcp?.rpm ?? 0]));
  const anonymous = config.tenants.length === 0;
  return {
    servers,
    scanResults: mcp.scanResults,
    sessionIdleMs: mcp.sessionIdleMs || DEFAULT_SESSION_IDLE_MS,
    maxSessions: mcp.maxSessions || DEFAULT_MAX_SESSIONS,
    allowed: (tenant) => matchers.get(tenant) ?? (anonymous && tenant === ANONYMOUS_TENANT ? ALL : NONE),
    allowedPrompts: (tenant) => promptMatchers.get(tenant) ?? (anonymous && tenant === ANONYMOUS_TENANT ? ALL : NONE),
    tenantRpm: (tenant) => rpm.get(tenant) ?? 0,
  };
}

/** Server ids: they prefix tool names (`files.read_file`), label metrics and name limits. */
const SERVER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Problems of the `mcp` section and of the tenants' `mcp` sections, for `config check`. */
export function mcpConfigProblems(config: Config): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  config.mcp?.servers.forEach((s, i) => {
    const at = `mcp.servers[${i}]`;
    if (!s.id) problems.push(`${at}.id: required`);
    else if (!SERVER_ID.test(s.id)) problems.push(`${at}.id: letters, digits, "_" and "-" only (at most 64), got ${JSON.stringify(s.id)}`);
    else if (ids.has(s.id)) problems.push(`${at}.id: duplicate server id ${JSON.stringify(s.id)}`);
    ids.add(s.id);
    const stdio = s.command.length > 0;
    if (stdio === Boolean(s.url)) problems.push(`${at}: needs exactly one of command (stdio) and url (Streamable HTTP)`);
    if (stdio && !s.command[0]) problems.push(`${at}.command: the first item is the program to run`);
    if (s.url && !/^https?:\/\/[^/]/.test(s.url)) problems.push(`${at}.url: expected an http(s) URL, got ${JSON.stringify(s.url)}`);
    if (!stdio && (Object.keys(s.env).length > 0 || s.cwd)) problems.push(`${at}: env and cwd apply to stdio servers (command) only`);
    if (stdio && Object.keys(s.headers).length > 0) problems.push(`${at}.headers: apply to Streamable HTTP servers (url) only`);
  });
  if (config.mcp?.scanResults && !config.policies?.pii) problems.push("mcp.scan_results: needs the pii slot (policies.pii)");
  config.tenants.forEach((t, i) => {
    for (const field of ["tools", "prompts"] as const) {
      t.mcp?.[field].forEach((pattern, j) => {
        const problem = toolPatternProblem(pattern, ids);
        if (problem) problems.push(`tenants[${i}].mcp.${field}[${j}]: ${problem}`);
      });
    }
  });
  return problems;
}
