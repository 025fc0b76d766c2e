/**
 * Turns budget crossings (from `settle`) into alerts: one log line and one webhook POST per
 * threshold per period per scope. The Redis script already reports a crossing once fleet-wide;
 * this dedupe covers what can repeat locally (fail-open counting, replays after an outage).
 * Never throws and never blocks the request: webhook failures are logged.
 */
import type { BudgetCrossing } from "./types.js";

/** The subset of a pino logger used here. */
interface AlertLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface BudgetAlertsOptions {
  webhookUrl?: string;
  /** Extra headers for the webhook (e.g. an authorization token). */
  headers?: Record<string, string>;
  logger?: AlertLogger;
  /** Webhook timeout. Default 2000 ms. */
  timeoutMs?: number;
  /** Injectable for tests; default global fetch (undici). */
  fetch?: typeof fetch;
}

/** JSON body POSTed to the webhook. */
export interface BudgetAlertPayload {
  type: "sluice.budget.threshold_crossed";
  scope_id: string;
  scope: string;
  period: BudgetCrossing["period"];
  period_id: string;
  threshold: number;
  hard_cap: boolean;
  cap_usd: number;
  spent_usd: number;
  at: string;
}

export class BudgetAlerts {
  private readonly options: BudgetAlertsOptions;
  /** `scope|period` -> the current period id and thresholds already alerted in it. */
  private readonly seen = new Map<string, { periodId: string; thresholds: Set<number> }>();

  constructor(options: BudgetAlertsOptions = {}) {
    this.options = options;
  }

  /** Alerts the crossings not alerted before; resolves when the webhooks have been tried. */
  async notify(crossings: BudgetCrossing[]): Promise<void> {
    const fresh = crossings.filter((c) => this.firstTime(c));
    await Promise.all(fresh.map((c) => this.alert(c)));
  }

  private firstTime(c: BudgetCrossing): boolean {
    const k = `${c.scopeId}|${c.period}`;
    let entry = this.seen.get(k);
    if (!entry || entry.periodId !== c.periodId) {
      // A new period: the old period's memory is no longer needed.
      entry = { periodId: c.periodId, thresholds: new Set() };
      this.seen.set(k, entry);
    }
    if (entry.thresholds.has(c.threshold)) return false;
    entry.thresholds.add(c.threshold);
    return true;
  }

  private async alert(c: BudgetCrossing): Promise<void> {
    const hard = c.threshold >= 1;
    const payload: BudgetAlertPayload = {
      type: "sluice.budget.threshold_crossed",
      scope_id: c.scopeId,
      scope: c.label,
      period: c.period,
      period_id: c.periodId,
      threshold: c.threshold,
      hard_cap: hard,
      cap_usd: c.capUsd,
      spent_usd: c.spentUsd,
      at: new Date().toISOString(),
    };
    const pct = Math.round(c.threshold * 100);
    this.options.logger?.warn(
      { alert: payload },
      hard
        ? `budget exhausted: ${c.label} ${c.period} budget ${c.periodId} reached its cap of $${c.capUsd} (spent $${c.spentUsd.toFixed(4)})`
        : `budget alert: ${c.label} ${c.period} budget ${c.periodId} passed ${pct}% of $${c.capUsd} (spent $${c.spentUsd.toFixed(4)})`,
    );
    const url = this.options.webhookUrl;
    if (!url) return;
    const doFetch = this.options.fetch ?? fetch;
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.options.headers },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 2_000),
      });
      // Drain the body so the connection is reused.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) this.options.logger?.error({ alert: payload, status: res.status }, `budget alert webhook answered HTTP ${res.status}`);
    } catch (err) {
      this.options.logger?.error({ alert: payload, err: String(err) }, "budget alert webhook failed");
    }
  }
}
