import { randomUUID } from "node:crypto";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../core/logger.js";
import type { LimitScope, Principal } from "../core/principal.js";
import { asSluiceError, SluiceError } from "../errors/sluice-error.js";
import { StoreUnavailableError, type LimitStore } from "../limits/index.js";
import type { Ledger, UsageOutcome } from "../telemetry/ledger.js";
import type { McpMetrics } from "./metrics.js";
import type { ResultScanner } from "./result-scan.js";
import type { McpSettings } from "./settings.js";
import type { McpUpstream } from "./upstream.js";

export interface ToolCallDeps {
  upstreams: ReadonlyMap<string, McpUpstream>;
  settings: McpSettings;
  limits: LimitStore;
  ledger: Ledger | undefined;
  metrics: McpMetrics;
  /** With `mcp.scan_results` and a `pii` slot: tool results go through it. */
  scanner: ResultScanner | undefined;
  log: Logger;
}

/** Tools listed by one server with more names than this share the `other` metric label past it. */
const MAX_TOOL_LABELS = 100;

/**
 * The MCP gateway's operation: what a caller sees (`tools/list`: the configured servers' tools,
 * named `<server id>.<tool>`, filtered by the tenant's allow-list) and what a tool call goes
 * through: the allow-list, the key's and tenant's rpm (and the tenant's `mcp.rpm`), the
 * upstream call under its timeout, the pii slot over the result, then one ledger record
 * (tenant, key, server, tool, duration, outcome; never the arguments or the result) and the
 * metrics. A tool the tenant may not call is answered exactly like one that does not exist.
 */
export class ToolCalls {
  constructor(private readonly deps: ToolCallDeps) {}

  /** The tools the caller may see, namespaced. */
  list(principal: Principal): Tool[] {
    const allowed = this.deps.settings.allowed(principal.tenant);
    const tools: Tool[] = [];
    for (const upstream of this.deps.upstreams.values()) {
      for (const tool of upstream.tools) {
        if (allowed(upstream.id, tool.name)) tools.push({ ...tool, name: `${upstream.id}.${tool.name}` });
      }
    }
    return tools;
  }

  async call(principal: Principal, name: string, args: Record<string, unknown> | undefined, signal: AbortSignal): Promise<CallToolResult> {
    const startedAt = performance.now();
    const target = this.resolve(name);
    let outcome: UsageOutcome = "ok";
    let errorCode: string | undefined;
    try {
      if (!target || !this.deps.settings.allowed(principal.tenant)(target.upstream.id, target.tool)) {
        // The caller cannot tell a tool it may not call from one that does not exist; the
        // ledger and metrics can (permission_denied).
        if (target) errorCode = "permission_denied";
        throw new SluiceError("not_found", `tool ${JSON.stringify(name.slice(0, 200))} not found (or not allowed for this key)`);
      }
      await this.admit(principal);
      let result = await target.upstream.callTool(target.tool, args, signal);
      if (this.deps.scanner) result = await this.deps.scanner.scan(result);
      if (result.isError) {
        outcome = "error";
        errorCode = "tool_error";
      }
      return result;
    } catch (err) {
      const error = asSluiceError(err);
      if (error.code === "internal") this.deps.log.error({ err, mcp_server: target?.upstream.id }, "MCP tool call failed inside the gateway");
      outcome = error.code === "cancelled" ? "cancelled" : REFUSALS.has(error.code) ? "refused" : "error";
      errorCode ??= error.code;
      throw error;
    } finally {
      const ms = performance.now() - startedAt;
      this.settle(principal, target, ms, outcome, errorCode);
    }
  }

  /**
   * The server and tool of a namespaced name, when the server lists that tool; undefined for any
   * other name. A server that has never been connected has listed nothing yet: a name under it
   * goes to the call (which waits for the server, or says it is down) rather than "not found".
   */
  private resolve(name: string): { upstream: McpUpstream; tool: string } | undefined {
    const dot = name.indexOf(".");
    if (dot <= 0) return undefined;
    const upstream = this.deps.upstreams.get(name.slice(0, dot));
    const tool = name.slice(dot + 1);
    if (!upstream || (upstream.listed && !upstream.tools.some((t) => t.name === tool))) return undefined;
    return { upstream, tool };
  }

  /**
   * Rate limits: one request against the key's and the tenant's rpm, and the tenant's own
   * tool-call rpm. Tool calls use no tokens and cost nothing, so tpm and budgets are not held.
   */
  private async admit(principal: Principal): Promise<void> {
    const scopes: LimitScope[] = [];
    for (const s of principal.scopes) if (s.rpm) scopes.push({ id: s.id, label: s.label, partition: s.partition, rpm: s.rpm });
    const rpm = this.deps.settings.tenantRpm(principal.tenant);
    if (rpm) scopes.push({ id: `mcp:${principal.tenant}`, label: `tenant ${principal.tenant} mcp rpm`, partition: principal.tenant, rpm });
    if (scopes.length === 0) return;
    let result;
    try {
      result = await this.deps.limits.admit({ scopes, tokens: 0 });
    } catch (err) {
      if (err instanceof StoreUnavailableError) {
        throw new SluiceError("unavailable", "usage limits cannot be checked right now; try again shortly", { cause: err, retryAfterS: 1 });
      }
      throw err;
    }
    if (!result.ok) throw new SluiceError("rate_limited", `${result.limit} exceeded`, { retryAfterS: result.retryAfterS });
    // Nothing to reconcile: the request itself stays counted against rpm.
    await this.deps.limits.release(result.reservation);
  }

  private settle(principal: Principal, target: { upstream: McpUpstream; tool: string } | undefined, ms: number, outcome: UsageOutcome, errorCode: string | undefined): void {
    const server = target?.upstream.id ?? "unknown";
    const tool = target ? this.toolLabel(target.upstream, target.tool) : "unknown";
    const { metrics, ledger } = this.deps;
    metrics.calls.inc({ server, tool, outcome: errorCode ?? "ok" });
    metrics.duration.observe({ server }, ms / 1000);
    ledger?.record({
      id: randomUUID(),
      time: new Date().toISOString(),
      tenant: principal.tenant,
      keyId: principal.keyId,
      modelRequested: "",
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      costUsd: 0,
      cache: "unspecified",
      latencyMs: Math.round(ms),
      tags: principal.tags,
      outcome,
      ...(errorCode ? { errorCode } : {}),
      // Only names the server listed itself; a name the caller made up is never recorded.
      mcp: { server, tool: !target ? "unknown" : target.upstream.tools.some((t) => t.name === target.tool) ? target.tool : "unlisted" },
    });
  }

  private toolLabel(upstream: McpUpstream, tool: string): string {
    const index = upstream.tools.findIndex((t) => t.name === tool);
    return index >= 0 && index < MAX_TOOL_LABELS ? tool : "other";
  }
}

/** Codes that mean the gateway refused the call (it never ran, or its result was withheld). */
const REFUSALS = new Set<string>(["not_found", "permission_denied", "rate_limited", "policy_blocked", "unavailable"]);
