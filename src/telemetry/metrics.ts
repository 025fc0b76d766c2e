import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { FastCounter, FastHistogram, type BoundCounter, type BoundHistogram } from "./bound-series.js";
import { ModelLabels } from "./model-labels.js";
import type { GenAiMetrics } from "./otel-metrics.js";

/** The bound series of one request outcome (GatewayMetrics.outcome). */
export interface OutcomeSeries {
  requests: BoundCounter;
  duration: BoundHistogram;
  /** Undefined when no provider answered. */
  upstreamDuration: BoundHistogram | undefined;
  overhead: BoundHistogram;
  timeToFirstToken: BoundHistogram;
  inputTokens: BoundCounter;
  outputTokens: BoundCounter;
  cachedInputTokens: BoundCounter;
  tokenEstimateError: BoundHistogram;
}

/** What the metrics read of one target's health (the routing health table's snapshot has this shape). */
interface TargetSnapshot {
  provider: string;
  model: string;
  breaker: "closed" | "half_open" | "open";
  /** -1: the provider did not say. */
  remainingTokens: number;
  remainingResetAt: number;
}
const breakerValues: Record<TargetSnapshot["breaker"], number> = { closed: 0, half_open: 1, open: 2 };

/** Tokens and cost of one tenant and model (GatewayMetrics.tenantUsage), bound once. */
export interface TenantUsageSeries {
  inputTokens: BoundCounter;
  outputTokens: BoundCounter;
  cachedInputTokens: BoundCounter;
  costUsd: BoundCounter;
}

/** One budget of one limit scope as read at scrape time (GatewayMetrics.observeBudgets). */
export interface BudgetReading {
  tenant: string;
  /** The scope's id: `tenant:acme`, `key:acme-ci`. */
  scope: string;
  period: "daily" | "monthly" | "lifetime";
  /** Spent plus held by requests in flight: what admission compares with the cap. */
  usedUsd: number;
  limitUsd: number;
}

/**
 * The gateway's Prometheus metrics. Latency is split so operators can tell the gateway's own
 * cost from the provider's: `upstream` is from sending the request upstream to its last byte,
 * `overhead` is everything else the gateway spent on the request.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly requests = new FastCounter({
    name: "sluice_requests_total",
    help: "Chat requests by surface, model asked, provider that answered and outcome (ok or error code).",
    labelNames: ["surface", "model", "provider", "status"] as const,
    registers: [this.registry],
  });

  readonly duration = new FastHistogram({
    name: "sluice_request_duration_seconds",
    help: "Whole request time, by surface and model.",
    labelNames: ["surface", "model"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly upstreamDuration = new FastHistogram({
    name: "sluice_upstream_duration_seconds",
    help: "Time spent waiting on the provider (request sent to last byte), by provider.",
    labelNames: ["provider"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly overhead = new FastHistogram({
    name: "sluice_gateway_overhead_seconds",
    help: "Time the gateway itself added to a request (whole time minus upstream time), by surface.",
    labelNames: ["surface"] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });

  readonly timeToFirstToken = new FastHistogram({
    name: "sluice_time_to_first_token_seconds",
    help: "Time from receiving a streamed request to sending its first content chunk, by model.",
    labelNames: ["model"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly tokens = new FastCounter({
    name: "sluice_tokens_total",
    help: "Tokens by direction (input, output, cached_input) and model.",
    labelNames: ["direction", "model"] as const,
    registers: [this.registry],
  });

  readonly tokenEstimateError = new FastHistogram({
    name: "sluice_token_estimate_error_ratio",
    help: "(counted input tokens - provider-reported input tokens) / reported, by model: how well the pre-dispatch count predicts the bill.",
    labelNames: ["model"] as const,
    buckets: [-0.5, -0.2, -0.1, -0.05, -0.02, -0.01, 0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
    registers: [this.registry],
  });

  readonly attempts = new FastCounter({
    name: "sluice_upstream_attempts_total",
    help: "Upstream attempts by provider and outcome (ok or error code); retries and fallbacks included.",
    labelNames: ["provider", "outcome"] as const,
    registers: [this.registry],
  });

  readonly fallbacks = new Counter({
    name: "sluice_fallbacks_total",
    help: "Requests answered by a target other than the first one routed to, by model.",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });

  readonly contextActions = new Counter({
    name: "sluice_context_actions_total",
    help: "Requests that did not fit their alias's context window, by alias and what was done: dropped (drop_oldest), middle_out, fallback or refused.",
    labelNames: ["alias", "action"] as const,
    registers: [this.registry],
  });

  readonly routerDecisions = new Counter({
    name: "sluice_router_decisions_total",
    help: "Requests routed through the router policy slot, by alias and outcome: module (the module decided), fallback (it failed, the built-in order was used) or refused (it failed, the slot fails closed).",
    labelNames: ["alias", "outcome"] as const,
    registers: [this.registry],
  });

  readonly tenantTokens = new FastCounter({
    name: "sluice_tenant_tokens_total",
    help: "Tokens by tenant (\"\" without keys), model asked and direction (input, output, cached_input).",
    labelNames: ["tenant", "model", "direction"] as const,
    registers: [this.registry],
  });

  readonly tenantCost = new FastCounter({
    name: "sluice_tenant_cost_usd_total",
    help: "Cost in USD (the pricing table applied to the billed usage) by tenant and model asked.",
    labelNames: ["tenant", "model"] as const,
    registers: [this.registry],
  });

  readonly limitRefusals = new Counter({
    name: "sluice_limit_refusals_total",
    help: "Requests refused by a rate limit or budget, by tenant, scope (key or tenant) and limit (rpm, tpm, budget_daily, budget_monthly, budget_lifetime).",
    labelNames: ["tenant", "scope", "limit"] as const,
    registers: [this.registry],
  });

  readonly policyDuration = new FastHistogram({
    name: "sluice_policy_call_duration_seconds",
    help: "Time of one call into a WASM policy slot (pii, guard, tokens, router), queueing included, by slot and outcome (ok or failed).",
    labelNames: ["slot", "outcome"] as const,
    buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });

  /**
   * The OTLP GenAI client metrics (otel-metrics.ts), recorded by settle beside the Prometheus
   * series from the same figures; null (the default) unless an OTLP metrics endpoint is configured.
   */
  genAi: GenAiMetrics | null = null;

  private breakerSnapshot: () => TargetSnapshot[] = () => [];

  readonly breakerState: Gauge<"provider" | "model"> = new Gauge({
    name: "sluice_circuit_breaker_state",
    help: "Circuit breaker per target: 0 closed, 1 half-open, 2 open.",
    labelNames: ["provider", "model"] as const,
    registers: [this.registry],
    collect: () => {
      this.breakerState.reset();
      // Targets outside the known set share one `other` series per provider: the worst state.
      const worst = new Map<string, { provider: string; model: string; value: number }>();
      for (const t of this.breakerSnapshot()) {
        const model = this.labels.target(t.provider, t.model);
        const key = `${t.provider}\u0000${model}`;
        const value = breakerValues[t.breaker];
        const seen = worst.get(key);
        if (!seen || seen.value < value) worst.set(key, { provider: t.provider, model, value });
      }
      for (const w of worst.values()) this.breakerState.set({ provider: w.provider, model: w.model }, w.value);
    },
  });

  readonly remainingTokens: Gauge<"provider" | "model"> = new Gauge({
    name: "sluice_upstream_remaining_tokens",
    help: "Tokens a target's provider said it can still take in its current rate-limit window (its latest response's headers); only targets whose figure is current.",
    labelNames: ["provider", "model"] as const,
    registers: [this.registry],
    collect: () => {
      this.remainingTokens.reset();
      const now = Date.now();
      for (const t of this.breakerSnapshot()) {
        const model = this.labels.target(t.provider, t.model);
        // Only known targets: an `other` series would mix unrelated windows.
        if (model !== "other" && t.remainingTokens >= 0 && now < t.remainingResetAt) this.remainingTokens.set({ provider: t.provider, model }, t.remainingTokens);
      }
    },
  });

  /** @param labels the bounded model labels (createGateway: the config's aliases and providers). */
  constructor(readonly labels: ModelLabels = new ModelLabels({ aliases: [], providers: new Map() })) {
    collectDefaultMetrics({ register: this.registry, prefix: "sluice_process_" });
  }

  /**
   * The series one request's outcome adds to, bound once per label set and kept: prom-client
   * otherwise builds and hashes a label object on every `inc` and `observe` (eight per request).
   * Labels are bounded (surfaces, statuses, ModelLabels), so the map is too.
   */
  outcome(surface: string, model: string, provider: string, status: string): OutcomeSeries {
    // One Map per label rather than a joined key: building and hashing that string (and
    // comparing it on a hit) was ~0.3 µs a request in a `perf` profile.
    const byStatus = inner(inner(inner(this.outcomes, surface), model), provider);
    let series = byStatus.get(status);
    if (!series) {
      series = {
        requests: this.requests.bind(surface, model, provider, status),
        duration: this.duration.bind(surface, model),
        upstreamDuration: provider ? this.upstreamDuration.bind(provider) : undefined,
        overhead: this.overhead.bind(surface),
        timeToFirstToken: this.timeToFirstToken.bind(model),
        inputTokens: this.tokens.bind("input", model),
        outputTokens: this.tokens.bind("output", model),
        cachedInputTokens: this.tokens.bind("cached_input", model),
        tokenEstimateError: this.tokenEstimateError.bind(model),
      };
      byStatus.set(status, series);
    }
    return series;
  }

  /** `sluice_upstream_attempts_total` for one provider and outcome, bound once (see `outcome`). */
  attempt(provider: string, outcome: string): BoundCounter {
    const byOutcome = inner(this.attemptSeries, provider);
    let child = byOutcome.get(outcome);
    if (!child) byOutcome.set(outcome, (child = this.attempts.bind(provider, outcome)));
    return child;
  }

  /**
   * Tokens and cost of one tenant and model, bound once (see `outcome`). Tenants come from the
   * config and models are ModelLabels, so the map is bounded.
   */
  tenantUsage(tenant: string, model: string): TenantUsageSeries {
    const byModel = inner(this.tenantSeries, tenant);
    let series = byModel.get(model);
    if (!series) {
      series = {
        inputTokens: this.tenantTokens.bind(tenant, model, "input"),
        outputTokens: this.tenantTokens.bind(tenant, model, "output"),
        cachedInputTokens: this.tenantTokens.bind(tenant, model, "cached_input"),
        costUsd: this.tenantCost.bind(tenant, model),
      };
      byModel.set(model, series);
    }
    return series;
  }

  /** Counts a refusal by a limit; `scopeId` is the refusing scope's (`key:a1`, `tenant:acme`). */
  limitRefused(tenant: string, scopeId: string, limit: string): void {
    const colon = scopeId.indexOf(":");
    this.limitRefusals.inc({ tenant, scope: colon > 0 ? scopeId.slice(0, colon) : "other", limit });
  }

  /**
   * A timer for one policy slot's calls, its children bound once per slot: the policy host
   * calls the returned function after each call with its duration in seconds.
   */
  policyCallObserver(slot: string): (seconds: number, ok: boolean) => void {
    const ok = this.policyDuration.bind(slot, "ok");
    const failed = this.policyDuration.bind(slot, "failed");
    return (seconds, succeeded) => (succeeded ? ok : failed).observe(seconds);
  }

  /** surface -> model -> provider -> status -> series (`outcome`). */
  private readonly outcomes = new Map<string, Map<string, Map<string, Map<string, OutcomeSeries>>>>();
  /** provider -> outcome -> series (`attempt`). */
  private readonly attemptSeries = new Map<string, Map<string, BoundCounter>>();
  private readonly tenantSeries = new Map<string, Map<string, TenantUsageSeries>>();

  /** Reads breaker states and remaining tokens from the routing health table at scrape time. */
  observeBreakers(snapshot: () => TargetSnapshot[]): void {
    this.breakerSnapshot = snapshot;
  }

  /**
   * `sluice_redis_up`: 1 while the gateway's Redis connection is ready, read at scrape time.
   * Registered only when Redis is configured (a gateway without Redis has no such series, rather
   * than one that says it is down). Under `--workers N` the primary keeps the lowest worker's value.
   */
  observeRedis(isUp: () => boolean): void {
    new Gauge({
      name: "sluice_redis_up",
      help: "1 while the connection to the configured Redis is ready, else 0.",
      registers: [this.registry],
      aggregator: "min",
      collect() {
        this.set(isUp() ? 1 : 0);
      },
    });
  }

  /**
   * `sluice_budget_used_usd` and `sluice_budget_limit_usd` for every configured budget, read
   * from the limits store at scrape time (a failed read leaves the scrape without them rather
   * than failing it). Scopes come from the config, so the series are bounded.
   */
  observeBudgets(read: () => Promise<BudgetReading[]>): void {
    const labelNames = ["tenant", "scope", "period"] as const;
    // One read serves both gauges of a scrape.
    let pending: Promise<BudgetReading[]> | undefined;
    const readings = () => (pending ??= read().catch(() => []).finally(() => setImmediate(() => (pending = undefined))));
    new Gauge({
      name: "sluice_budget_used_usd",
      help: "USD spent plus held by requests in flight in the budget's current period (UTC day, month, or lifetime), by tenant, scope and period.",
      labelNames,
      registers: [this.registry],
      aggregator: "max",
      async collect() {
        this.reset();
        for (const r of await readings()) this.set({ tenant: r.tenant, scope: r.scope, period: r.period }, r.usedUsd);
      },
    });
    new Gauge({
      name: "sluice_budget_limit_usd",
      help: "The configured budget cap in USD, by tenant, scope and period.",
      labelNames,
      registers: [this.registry],
      aggregator: "max",
      async collect() {
        this.reset();
        for (const r of await readings()) this.set({ tenant: r.tenant, scope: r.scope, period: r.period }, r.limitUsd);
      },
    });
  }
}

/** The map under `key` in `outer`, made empty on first use. */
function inner<K, V>(outer: Map<K, Map<string, V>>, key: K): Map<string, V> {
  let map = outer.get(key);
  if (map === undefined) outer.set(key, (map = new Map()));
  return map;
}
