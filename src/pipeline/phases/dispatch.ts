import { setTimeout as sleep } from "node:timers/promises";
import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { isRetryable } from "../../errors/upstream.js";
import { backoffDelay } from "../../routing/settings.js";
import type { Router } from "../../routing/router.js";
import type { GatewayMetrics } from "../../telemetry/metrics.js";
import type { RequestContext } from "../context.js";
import type { Target } from "../../core/target.js";
import type { LimitStore, Reservation } from "../../limits/index.js";
import type { LimitScope } from "../../core/principal.js";
import { admitOrRefuse } from "./admit.js";
import type { Phase } from "../phase.js";
import { Attempt } from "./attempt.js";

/**
 * Sends the request to its targets in route order, within the retry budget:
 * - a 5xx, a reset or refused connection is retried on the same target after a jittered
 *   backoff (`retries_per_target` times), then the next target is tried;
 * - a 429 is waited out on the same target when its retry-after is short, else the next
 *   target is tried at once (and the target cools down for the retry-after);
 * - a timeout goes straight to the next target (waiting again would double the cost);
 * - anything else (a bad request) is the answer.
 * Once a chunk has been sent the answer is committed to that target: a later failure ends the
 * stream with `stream_interrupted`; two providers' answers are never spliced.
 */
export interface DeploymentLimits {
  store: LimitStore;
  /** Output tokens reserved when the request sets no maximum. */
  defaultOutputReserve: number;
}

export function dispatchPhase(router: Router, metrics: GatewayMetrics, limits: DeploymentLimits): Phase {
  return {
    name: "dispatch",
    onRequest(ctx) {
      ctx.answer ??= dispatch(ctx, router, metrics, limits);
    },
  };
}

/**
 * A target whose provider deployment has its own limits (`providers[].limits`) is admitted
 * against them first; over them, it is skipped like a 429 would skip it. (Called only for such a
 * target: the others skip the await.)
 */
async function admitDeployment(ctx: RequestContext, scope: LimitScope, limits: DeploymentLimits): Promise<Reservation | SluiceError> {
  const tokens = ctx.inputTokenEstimate + (ctx.request.params?.maxOutputTokens ?? limits.defaultOutputReserve);
  return admitOrRefuse(limits.store, { scopes: [scope], tokens });
}

async function* dispatch(ctx: RequestContext, router: Router, metrics: GatewayMetrics, limits: DeploymentLimits): AsyncGenerator<ChatChunk> {
  const policy = router.policy;
  ctx.upstreamStartAt = performance.now();
  router.budget.recordRequest();
  let lastError: SluiceError | undefined;

  targets: for (const target of ctx.targets) {
    for (let retry = 0; retry <= policy.retriesPerTarget; retry++) {
      if (ctx.attempts.length >= policy.maxAttempts) break targets;
      if (ctx.attempts.length > 0 && !router.budget.tryRetry()) break targets;
      if (!router.health.admit(target.provider.id, target.model)) continue targets;
      // Admitted to a half-open target: this attempt holds its one probe. Whatever ends the
      // attempt (a verdict recorded below, a cancel, a refusal before sending, the caller
      // dropping the stream) must hand the probe back, or the target stays half-open for good.
      const probe = router.health.stats(target.provider.id, target.model).breaker === "half_open";
      try {
        const deployment = target.limitScope ? await admitDeployment(ctx, target.limitScope, limits) : undefined;
        if (deployment instanceof SluiceError) {
          lastError = deployment;
          ctx.attempts.push({ provider: target.provider.id, model: target.model, outcome: deployment.code, ms: 0 });
          metrics.attempt(target.provider.id, deployment.code).inc();
          continue targets;
        }

        const attempt = new Attempt(ctx, target, (limit) => router.health.recordRateLimit(target.provider.id, target.model, limit.remainingTokens, limit.resetAtMs));
        const stats = router.health.stats(target.provider.id, target.model);
        stats.inflight++;
        let first: IteratorResult<ChatChunk>;
        try {
          first = await attempt.next();
        } catch (err) {
          stats.inflight--;
          const error = attempt.failure(err);
          await attempt.close();
          if (deployment) void limits.store.release(deployment).catch(() => undefined);
          record(ctx, router, metrics, attempt, error);
          if (error.code === "cancelled") throw error;
          lastError = error;
          if (!isRetryable(error)) throw error;
          if (error.code === "rate_limited" && error.retryAfterS !== undefined) {
            const waitMs = error.retryAfterS * 1000;
            router.health.coolDown(target.provider.id, target.model, waitMs);
            if (waitMs > policy.maxRetryAfterMs) continue targets;
            await pause(waitMs, ctx.signal);
            continue;
          }
          if (error.code === "upstream_timeout") continue targets;
          await pause(backoffDelay(policy.backoffMs, retry), ctx.signal);
          continue;
        }

        // Committed: this target's answer is the answer.
        ctx.answeredBy = { provider: target.provider.id, model: target.model };
        ctx.deploymentReservation = deployment;
        if (target !== ctx.targets[0]) metrics.fallbacks.inc({ model: metrics.labels.requested(ctx.model) });
        ctx.onAnswerStart?.({ provider: target.provider.id, model: target.model, attempts: ctx.attempts.length + 1, ...(ctx.prompt ? { prompt: `${ctx.prompt.id}@${ctx.prompt.version}` } : {}), ...(ctx.contextAction ? { context: ctx.contextAction } : {}) });
        try {
          if (!first.done) yield first.value;
          for (;;) {
            const next = await attempt.next();
            if (next.done) break;
            yield next.value;
          }
          record(ctx, router, metrics, attempt, undefined);
        } catch (err) {
          const error = attempt.failure(err);
          record(ctx, router, metrics, attempt, error);
          if (error.code === "cancelled") throw error;
          throw error.code === "stream_interrupted" ? error : new SluiceError("stream_interrupted", error.message, { cause: error });
        } finally {
          stats.inflight--;
          ctx.upstreamEndAt = performance.now();
          await attempt.close();
          attempt.trace?.end("cancelled"); // the caller stopped reading: no outcome was recorded
        }
        return;
      } finally {
        if (probe) router.health.releaseProbe(target.provider.id, target.model);
      }
    }
  }
  ctx.upstreamEndAt = performance.now();
  throw lastError ?? new SluiceError("upstream_unavailable", `every target of ${ctx.request.model} is failing or cooling down; try again later`);
}

/** Books an attempt's outcome: the request's attempt list, the target's health, metrics. */
function record(ctx: RequestContext, router: Router, metrics: GatewayMetrics, attempt: Attempt, error: SluiceError | undefined): void {
  const { provider, model } = attempt.target;
  const outcome = error ? error.code : "ok";
  ctx.attempts.push({ provider: provider.id, model, outcome, ms: performance.now() - attempt.startedAt });
  attempt.trace?.end(outcome, error?.message);
  metrics.attempt(provider.id, outcome).inc();
  if (!error) router.health.recordSuccess(provider.id, model, (attempt.firstChunkAt ?? performance.now()) - attempt.startedAt);
  else if (countsAgainstHealth(error)) router.health.recordFailure(provider.id, model);
  else if (error.code === "upstream_rejected" || error.code === "rate_limited") router.health.recordAnswered(provider.id, model);
}

/** Failures that say the target is unhealthy; a client's bad request or a cancel says nothing. */
function countsAgainstHealth(error: SluiceError): boolean {
  return error.code === "upstream_unavailable" || error.code === "upstream_timeout" || error.code === "stream_interrupted";
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw new SluiceError("cancelled", "request cancelled");
  }
}

