import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { ModelLabels } from "./model-labels.js";

/** The bound series of one request outcome (GatewayMetrics.outcome). */
export interface OutcomeSeries {
  requests: Counter.Internal;
  duration: Histogram.Internal<string>;
  /** Undefined when no provider answered. */
  upstreamDuration: Histogram.Internal<string> | undefined;
  overhead: Histogram.Internal<string>;
  timeToFirstToken: Histogram.Internal<string>;
  inputTokens: Counter.Internal;
  outputTokens: Counter.Internal;
  cachedInputTokens: Counter.Internal;
  tokenEstimateError: Histogram.Internal<string>;
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

/**
 * The gateway's Prometheus metrics. Latency is split so operators can tell the gateway's own
 * cost from the provider's: `upstream` is from sending the request upstream to its last byte,
 * `overhead` is everything else the gateway spent on the request.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: "sluice_requests_total",
    help: "Chat requests by surface, model asked, provider that answered and outcome (ok or error code).",
    labelNames: ["surface", "model", "provider", "status"] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: "sluice_request_duration_seconds",
    help: "Whole request time, by surface and model.",
    labelNames: ["surface", "model"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: "sluice_upstream_duration_seconds",
    help: "Time spent waiting on the provider (request sent to last byte), by provider.",
    labelNames: ["provider"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly overhead = new Histogram({
    name: "sluice_gateway_overhead_seconds",
    help: "Time the gateway itself added to a request (whole time minus upstream time), by surface.",
    labelNames: ["surface"] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });

  readonly timeToFirstToken = new Histogram({
    name: "sluice_time_to_first_token_seconds",
    help: "Time from receiving a streamed request to sending its first content chunk, by model.",
    labelNames: ["model"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly tokens = new Counter({
    name: "sluice_tokens_total",
    help: "Tokens by direction (input, output, cached_input) and model.",
    labelNames: ["direction", "model"] as const,
    registers: [this.registry],
  });

  readonly tokenEstimateError = new Histogram({
    name: "sluice_token_estimate_error_ratio",
    help: "(counted input tokens - provider-reported input tokens) / reported, by model: how well the pre-dispatch count predicts the bill.",
    labelNames: ["model"] as const,
    buckets: [-0.5, -0.2, -0.1, -0.05, -0.02, -0.01, 0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
    registers: [this.registry],
  });

  readonly attempts = new Counter({
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
    const key = `${surface}\u0000${model}\u0000${provider}\u0000${status}`;
    let series = this.outcomes.get(key);
    if (!series) {
      series = {
        requests: this.requests.labels(surface, model, provider, status),
        duration: this.duration.labels(surface, model),
        upstreamDuration: provider ? this.upstreamDuration.labels(provider) : undefined,
        overhead: this.overhead.labels(surface),
        timeToFirstToken: this.timeToFirstToken.labels(model),
        inputTokens: this.tokens.labels("input", model),
        outputTokens: this.tokens.labels("output", model),
        cachedInputTokens: this.tokens.labels("cached_input", model),
        tokenEstimateError: this.tokenEstimateError.labels(model),
      };
      this.outcomes.set(key, series);
    }
    return series;
  }

  /** `sluice_upstream_attempts_total` for one provider and outcome, bound once (see `outcome`). */
  attempt(provider: string, outcome: string): Counter.Internal {
    const key = `${provider}\u0000${outcome}`;
    let child = this.attemptSeries.get(key);
    if (!child) this.attemptSeries.set(key, (child = this.attempts.labels(provider, outcome)));
    return child;
  }

  private readonly outcomes = new Map<string, OutcomeSeries>();
  private readonly attemptSeries = new Map<string, Counter.Internal>();

  /** Reads breaker states and remaining tokens from the routing health table at scrape time. */
  observeBreakers(snapshot: () => TargetSnapshot[]): void {
    this.breakerSnapshot = snapshot;
  }
}
