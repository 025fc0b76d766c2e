import type { SluiceError } from "../../errors/sluice-error.js";
import { priceRequest, type CanonicalUsage, type PricingTable } from "../../limits/pricing.js";
import { boundedMetadata, type Ledger, type UsageOutcome, type UsageRecord } from "../../telemetry/ledger.js";
import type { GatewayMetrics } from "../../telemetry/metrics.js";
import { boundedText } from "../../core/call-record.js";
import type { RequestContext } from "../context.js";
import { estimateOutputTokens } from "../estimate.js";
import type { Phase } from "../phase.js";
import { CacheStatus } from "../../gen/sluice/v1/gateway_pb.js";

export interface SettleDeps {
  metrics: GatewayMetrics;
  pricing: PricingTable;
  /** The usage ledger, for operations that bill (chat, embed); absent for the others. */
  ledger?: Ledger;
}

/**
 * Closes the books on a request: the billed usage and its cost (read by admit's reconcile and
 * by the final chunk's metadata), metrics (outcome, latency split into upstream and gateway
 * overhead, time to first token, tokens), the ledger record, and the call's record, which the
 * surface writes as its access-log line — ids, counts and timings, never prompt or answer text.
 */
export function settlePhase(deps: SettleDeps): Phase {
  const { metrics } = deps;
  return {
    name: "settle",
    onSettle(ctx, error: SluiceError | undefined) {
      const now = performance.now();
      // Bounded: an alias, a known provider model, `<provider>/other` or `unknown`.
      const model = metrics.labels.requested(ctx.model);
      const provider = ctx.answeredBy?.provider ?? "";
      const status = error ? error.code : "ok";
      const totalS = (now - ctx.startedAt) / 1000;
      const upstreamS = ctx.upstreamStartAt !== undefined ? ((ctx.upstreamEndAt ?? now) - ctx.upstreamStartAt) / 1000 : 0;

      ctx.billed = billedUsage(ctx);
      if (ctx.billed && ctx.answeredBy) ctx.costUsd = priceRequest(deps.pricing, ctx.answeredBy.model, ctx.billed);

      const series = metrics.outcome(ctx.surface, model, provider, status);
      series.requests.inc();
      series.duration.observe(totalS);
      series.upstreamDuration?.observe(upstreamS);
      series.overhead.observe(Math.max(0, totalS - upstreamS));
      const ttftS = ctx.stream && ctx.firstChunkAt !== undefined ? (ctx.firstChunkAt - ctx.startedAt) / 1000 : undefined;
      if (ttftS !== undefined) series.timeToFirstToken.observe(ttftS);
      const usage = ctx.usage;
      const tenant = ctx.principal?.tenant ?? "";
      if (usage) {
        series.inputTokens.inc(usage.inputTokens);
        series.outputTokens.inc(usage.outputTokens);
        if (usage.cachedInputTokens) series.cachedInputTokens.inc(usage.cachedInputTokens);
        if (ctx.inputTokenEstimate && usage.inputTokens) {
          series.tokenEstimateError.observe((ctx.inputTokenEstimate - usage.inputTokens) / usage.inputTokens);
        }
        const byTenant = metrics.tenantUsage(tenant, model);
        byTenant.inputTokens.inc(usage.inputTokens);
        byTenant.outputTokens.inc(usage.outputTokens);
        if (usage.cachedInputTokens) byTenant.cachedInputTokens.inc(usage.cachedInputTokens);
      }
      // Cost may come from estimated usage (no usage reported, e.g. a stream cut short).
      if (ctx.costUsd) metrics.tenantUsage(tenant, model).costUsd.inc(ctx.costUsd);
      // OTLP GenAI metrics: null unless configured.
      const genAi = metrics.genAi;
      if (genAi && (ctx.operation === "chat" || ctx.operation === "embed")) {
        genAi.record({
          operation: ctx.operation,
          provider: provider || (ctx.targets[0]?.provider.id ?? ""),
          requestModel: model,
          responseModel: ctx.answeredBy ? metrics.labels.target(ctx.answeredBy.provider, ctx.answeredBy.model) : "",
          errorType: error?.code,
          durationS: totalS,
          timeToFirstTokenS: ttftS,
          inputTokens: usage?.inputTokens,
          outputTokens: ctx.operation === "chat" ? usage?.outputTokens : undefined, // embeddings have input tokens only
        });
      }
      if (deps.ledger && ctx.principal) writeLedger(deps.ledger, ctx, model, error, now - ctx.startedAt);
      fillRecord(ctx, error, upstreamS);
    },
  };
}

function fillRecord(ctx: RequestContext, error: SluiceError | undefined, upstreamS: number): void {
  const record = ctx.record;
  record.operation = ctx.operation;
  record.tenant = ctx.principal?.tenant;
  record.keyId = ctx.principal?.keyId;
  record.model = boundedText(ctx.model);
  record.provider = ctx.answeredBy?.provider;
  record.providerModel = ctx.answeredBy?.model;
  record.stream = ctx.stream;
  record.attempts = ctx.attempts.length;
  record.upstreamMs = Math.round(upstreamS * 100_000) / 100;
  record.inputTokens = ctx.usage?.inputTokens;
  record.outputTokens = ctx.usage?.outputTokens;
  record.costUsd = ctx.costUsd;
  if (ctx.cacheStatus !== CacheStatus.UNSPECIFIED) record.cache = cacheNames[ctx.cacheStatus];
  if (ctx.routing) record.route = ctx.routing;
  if (error) {
    record.errorCode = error.code;
    record.errorMessage = error.message;
  }
}

/**
 * What the request is billed for: the provider's usage; when an answer started but ended
 * without usage (cancelled, broken), the input estimate plus the answer text seen; nothing
 * when no provider answered.
 */
function billedUsage(ctx: RequestContext): CanonicalUsage | undefined {
  const u = ctx.usage;
  if (u) return { inputTokens: u.inputTokens, outputTokens: u.outputTokens, cachedInputTokens: u.cachedInputTokens, cacheWriteTokens: u.cacheWriteTokens };
  if (!ctx.answeredBy) return undefined;
  return { inputTokens: ctx.inputTokenEstimate, outputTokens: estimateOutputTokens(ctx.outputChars) };
}

const cacheNames: Record<number, "miss" | "exact" | "semantic" | "bypass" | "unspecified"> = {
  [CacheStatus.MISS]: "miss",
  [CacheStatus.HIT_EXACT]: "exact",
  [CacheStatus.HIT_SEMANTIC]: "semantic",
  [CacheStatus.BYPASS]: "bypass",
};

/**
 * The ledger line. Caller-chosen strings are bounded: the model asked is its metric label, the
 * caller's metadata is kept apart from the key's tags (which it cannot override) and cut to size
 * (with the pii slot configured, the inspect phase has already passed its values through it).
 */
function writeLedger(ledger: Ledger, ctx: RequestContext, modelLabel: string, error: SluiceError | undefined, latencyMs: number): void {
  const billed = ctx.billed;
  const outcome: UsageOutcome = !error
    ? "ok"
    : error.code === "cancelled"
      ? "cancelled"
      : error.code === "rate_limited" || error.code === "budget_exhausted" || error.code === "unauthenticated"
        ? "refused"
        : "error";
  // One object literal with every field, in the line's order (JSON.stringify leaves out the
  // undefined ones): conditional spreads cost an object and a copy each, per request.
  const principal = ctx.principal!;
  const answeredBy = ctx.answeredBy;
  const record: UsageRecord = {
    id: ctx.requestId,
    time: isoNow(),
    tenant: principal.tenant,
    keyId: principal.keyId,
    modelRequested: modelLabel,
    provider: answeredBy?.provider,
    model: answeredBy ? boundedText(answeredBy.model) : undefined,
    inputTokens: billed?.inputTokens ?? 0,
    outputTokens: billed?.outputTokens ?? 0,
    cachedInputTokens: billed?.cachedInputTokens ?? 0,
    cacheWriteTokens: billed?.cacheWriteTokens ?? 0,
    reasoningTokens: ctx.usage?.reasoningTokens ?? 0,
    costUsd: ctx.costUsd,
    cache: cacheNames[ctx.cacheStatus] ?? "unspecified",
    latencyMs: Math.round(latencyMs * 100) / 100,
    tags: copyTags(principal.tags),
    metadata: hasKeys(ctx.request.tags) ? boundedMetadata(ctx.request.tags) : undefined,
    outcome,
    errorCode: error?.code,
    guard: ctx.record.guard || undefined,
    prompt: ctx.prompt,
  };
  ledger.record(record);
}

function hasKeys(o: Readonly<Record<string, string>>): boolean {
  for (const _ in o) return true;
  return false;
}

/** The key's tags as of now (a copy: the admin API may change them later). */
function copyTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  return hasKeys(tags) ? { ...tags } : {};
}

// The record's time, ISO 8601: formatted once per millisecond (many requests end in the same one).
let isoMs = 0;
let isoText = "";
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}
