import { randomUUID } from "node:crypto";
import type { CallToolResult, GetPromptResult, Prompt, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../core/logger.js";
import type { LimitScope, Principal } from "../core/principal.js";
import { asSluiceError, SluiceError } from "../errors/sluice-error.js";
import { StoreUnavailableError, type LimitStore } from "../limits/index.js";
import type { Ledger, UsageOutcome } from "../telemetry/ledger.js";
import type { ToolMatcher } from "./allow-list.js";
import type { McpMetrics } from "./metrics.js";
import type { ResultScanner } from "./result-scan.js";
import type { McpSettings } from "./settings.js";
import type { McpUpstream } from "./upstream.js";

export interface McpCallDeps {
  upstreams: ReadonlyMap<string, McpUpstream>;
  settings: McpSettings;
  limits: LimitStore;
  ledger: Ledger | undefined;
  metrics: McpMetrics;
  /** With `mcp.scan_results` and a `pii` slot: tool results and prompts go through it. */
  scanner: ResultScanner | undefined;
  log: Logger;
}

/** Tools (prompts) listed by one server with more names than this share the `other` metric label past them. */
const MAX_NAME_LABELS = 100;

/** What a call is for: a tool (`tools/call`) or a prompt (`prompts/get`). */
type Kind = "tool" | "prompt";
interface Target {
  upstream: McpUpstream;
  /** The name on the server (without the `<server id>.` prefix). */
  name: string;
}

/**
 * The MCP gateway's operations: what a caller sees (`tools/list`, `prompts/list`: the
 * configured servers' tools and prompts, named `<server id>.<name>`, filtered by the tenant's
 * allow-lists) and what a call goes through: the allow-list, the key's and tenant's rpm (and
 * the tenant's `mcp.rpm`), the upstream call under its timeout, the pii slot over the result,
 * then one ledger record (tenant, key, server, tool or prompt, duration, outcome; never the
 * arguments or the result) and the metrics. A name the tenant may not use is answered exactly
 * like one that does not exist.
 */
export class McpCalls {
  constructor(private readonly deps: McpCallDeps) {}

  /** The tools the caller may see, namespaced. */
  listTools(principal: Principal): Tool[] {
    return this.visible(this.deps.settings.allowed(principal.tenant), (u) => u.tools);
  }

  /** The prompts the caller may see, namespaced. */
  listPrompts(principal: Principal): Prompt[] {
    return this.visible(this.deps.settings.allowedPrompts(principal.tenant), (u) => u.prompts);
  }

  callTool(principal: Principal, name: string, args: Record<string, unknown> | undefined, signal: AbortSignal): Promise<CallToolResult> {
    return this.run("tool", principal, name, async (target) => {
      const result = await target.upstream.callTool(target.name, args, signal);
      return this.deps.scanner ? this.deps.scanner.scanToolResult(result) : result;
    });
  }

  getPrompt(principal: Principal, name: string, args: Record<string, string> | undefined, signal: AbortSignal): Promise<GetPromptResult> {
    return this.run("prompt", principal, name, async (target) => {
      const result = await target.upstream.getPrompt(target.name, args, signal);
      return this.deps.scanner ? this.deps.scanner.scanPrompt(result) : result;
    });
  }

  private visible<T extends { name: string }>(allowed: ToolMatcher, items: (u: McpUpstream) => readonly T[]): T[] {
    const out: T[] = [];
    for (const upstream of this.deps.upstreams.values()) {
      for (const item of items(upstream)) if (allowed(upstream.id, item.name)) out.push({ ...item, name: `${upstream.id}.${item.name}` });
    }
    return out;
  }

  private async run<T>(kind: Kind, principal: Principal, name: string, call: (target: Target) => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    const target = this.resolve(kind, name);
    let outcome: UsageOutcome = "ok";
    let errorCode: string | undefined;
    try {
      const allowed = kind === "tool" ? this.deps.settings.allowed(principal.tenant) : this.deps.settings.allowedPrompts(principal.tenant);
      if (!target || !allowed(target.upstream.id, target.name)) {
        // The caller cannot tell a name it may not use from one that does not exist; the ledger
        // and metrics can (permission_denied).
        if (target) errorCode = "permission_denied";
        throw new SluiceError("not_found", `${kind} ${JSON.stringify(name.slice(0, 200))} not found (or not allowed for this key)`);
      }
      await this.admit(principal);
      const result = await call(target);
      if ((result as CallToolResult).isError === true) {
        outcome = "error";
        errorCode = "tool_error";
      }
      return result;
    } catch (err) {
      const error = asSluiceError(err);
      if (error.code === "internal") this.deps.log.error({ err, mcp_server: target?.upstream.id }, "MCP call failed inside the gateway");
      outcome = error.code === "cancelled" ? "cancelled" : REFUSALS.has(error.code) ? "refused" : "error";
      errorCode ??= error.code;
      throw error;
    } finally {
      this.settle(kind, principal, target, performance.now() - startedAt, outcome, errorCode);
    }
  }

  /**
   * The server and name of a namespaced name, when the server lists it; undefined for any other
   * name. A server that has never been connected has listed nothing yet: a name under it goes to
   * the call (which waits for the server, or says it is down) rather than "not found".
   */
  private resolve(kind: Kind, name: string): Target | undefined {
    const dot = name.indexOf(".");
    if (dot <= 0) return undefined;
    const upstream = this.deps.upstreams.get(name.slice(0, dot));
    const own = name.slice(dot + 1);
    if (!upstream || (upstream.listed && !listedNames(kind, upstream).some((n) => n.name === own))) return undefined;
    return { upstream, name: own };
  }

  /**
   * Rate limits: one request against the key's and the tenant's rpm, and the tenant's own MCP
   * rpm. Calls use no tokens and cost nothing, so tpm and budgets are not held.
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

  private settle(kind: Kind, principal: Principal, target: Target | undefined, ms: number, outcome: UsageOutcome, errorCode: string | undefined): void {
    const server = target?.upstream.id ?? "unknown";
    const index = target ? listedNames(kind, target.upstream).findIndex((n) => n.name === target.name) : -1;
    // Only names the server listed itself: a name the caller made up is never recorded.
    const recorded = !target ? "unknown" : index >= 0 ? target.name : "unlisted";
    const label = !target ? "unknown" : index >= 0 && index < MAX_NAME_LABELS ? target.name : "other";
    const { metrics, ledger } = this.deps;
    if (kind === "tool") metrics.calls.inc({ server, tool: label, outcome: errorCode ?? "ok" });
    else metrics.prompts.inc({ server, prompt: label, outcome: errorCode ?? "ok" });
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
      mcp: kind === "tool" ? { server, tool: recorded } : { server, prompt: recorded },
    });
  }
}

function listedNames(kind: Kind, upstream: McpUpstream): readonly { name: string }[] {
  return kind === "tool" ? upstream.tools : upstream.prompts;
}

/** Codes that mean the gateway refused the call (it never ran, or its result was withheld). */
const REFUSALS = new Set<string>(["not_found", "permission_denied", "rate_limited", "policy_blocked", "unavailable"]);
