import type { Registry } from "prom-client";
import type { Logger } from "../core/logger.js";
import type { LimitStore } from "../limits/index.js";
import type { PiiSlot } from "../policy/index.js";
import type { Ledger } from "../telemetry/ledger.js";
import { McpMetrics } from "./metrics.js";
import { ResultScanner } from "./result-scan.js";
import { McpSessions, type McpHttpRequest } from "./sessions.js";
import type { McpSettings } from "./settings.js";
import { McpCalls } from "./calls.js";
import { McpUpstream } from "./upstream.js";

export interface McpGatewayDeps {
  settings: McpSettings;
  log: Logger;
  /** The gateway's metrics registry (`/metrics`). */
  registry: Registry;
  limits: LimitStore;
  ledger: Ledger | undefined;
  /** The `pii` slot when `policies.pii` is configured; used on tool results with `mcp.scan_results`. */
  pii: PiiSlot | undefined;
}

/**
 * The MCP gateway (`/mcp`): the configured MCP servers, kept connected, behind Sluice keys,
 * tenant allow-lists, rate limits, the pii slot, the ledger and metrics. Built once by the
 * composition root; the server authenticates each request and hands it to `handle`.
 */
export class McpGateway {
  private readonly upstreams: Map<string, McpUpstream>;
  private readonly sessions: McpSessions;

  constructor(deps: McpGatewayDeps) {
    const { settings, log } = deps;
    const metrics = new McpMetrics(deps.registry, settings.servers.map((s) => s.id));
    const events = {
      log,
      onUp: (server: string, up: boolean) => {
        metrics.up.set({ server }, up ? 1 : 0);
        // A (re)connected server may list other tools than before.
        if (up) this.sessions?.listsChanged();
      },
      onRestart: (server: string) => metrics.restarts.inc({ server }),
    };
    this.upstreams = new Map(settings.servers.map((s) => [s.id, new McpUpstream(s, events)]));
    const scanner = settings.scanResults && deps.pii ? new ResultScanner(deps.pii) : undefined;
    const calls = new McpCalls({ upstreams: this.upstreams, settings, limits: deps.limits, ledger: deps.ledger, metrics, scanner, log });
    this.sessions = new McpSessions(calls, metrics, { idleMs: settings.sessionIdleMs, maxSessions: settings.maxSessions });
  }

  /** Connects to every server in the background (a server that is down does not hold up the gateway). */
  start(): void {
    for (const upstream of this.upstreams.values()) upstream.start();
  }

  /** One authenticated HTTP request to /mcp, answered as the Streamable HTTP transport says. */
  handle(request: McpHttpRequest): Promise<Response> {
    return this.sessions.handle(request);
  }

  /**
   * The server is draining: ends the sessions' standalone GET streams, which stay open for as
   * long as a client is connected. Calls in flight finish; new requests are refused by the server.
   */
  drain(): void {
    this.sessions.endStreams();
  }

  /** Ends every session and stops every stdio server. */
  async close(): Promise<void> {
    await this.sessions.close();
    await Promise.allSettled([...this.upstreams.values()].map((u) => u.close()));
  }
}
