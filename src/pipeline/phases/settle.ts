import type { SluiceError } from "../../errors/sluice-error.js";
import type { GatewayMetrics } from "../../telemetry/metrics.js";
import type { Logger } from "../../telemetry/logger.js";
import type { Phase } from "../phase.js";

/**
 * Closes the books on a request: metrics (outcome, latency split into upstream and gateway
 * overhead, time to first token, tokens) and one access-log line (ids and sizes, never text).
 */
export function settlePhase(metrics: GatewayMetrics, log: Logger, accessLog: boolean): Phase {
  return {
    name: "settle",
    onSettle(ctx, error: SluiceError | undefined) {
      const now = performance.now();
      const model = ctx.request.model;
      const provider = ctx.answeredBy?.provider ?? "";
      const status = error ? error.code : "ok";
      const totalS = (now - ctx.startedAt) / 1000;
      const upstreamS = ctx.upstreamStartAt !== undefined ? ((ctx.upstreamEndAt ?? now) - ctx.upstreamStartAt) / 1000 : 0;

      metrics.requests.inc({ surface: ctx.surface, model, provider, status });
      metrics.duration.observe({ surface: ctx.surface, model }, totalS);
      if (provider) metrics.upstreamDuration.observe({ provider }, upstreamS);
      metrics.overhead.observe({ surface: ctx.surface }, Math.max(0, totalS - upstreamS));
      if (ctx.stream && ctx.firstChunkAt !== undefined) {
        metrics.timeToFirstToken.observe({ model }, (ctx.firstChunkAt - ctx.startedAt) / 1000);
      }
      const usage = ctx.usage;
      if (usage) {
        metrics.tokens.inc({ direction: "input", model }, usage.inputTokens);
        metrics.tokens.inc({ direction: "output", model }, usage.outputTokens);
        if (usage.cachedInputTokens) metrics.tokens.inc({ direction: "cached_input", model }, usage.cachedInputTokens);
      }
      if (accessLog || error) {
        const line = {
          request_id: ctx.requestId,
          surface: ctx.surface,
          tenant: ctx.principal?.tenant,
          key_id: ctx.principal?.keyId,
          model,
          provider,
          provider_model: ctx.answeredBy?.model,
          stream: ctx.stream,
          status,
          attempts: ctx.attempts.length,
          ms: Math.round((now - ctx.startedAt) * 100) / 100,
          upstream_ms: Math.round(upstreamS * 100_000) / 100,
          input_tokens: usage?.inputTokens,
          output_tokens: usage?.outputTokens,
        };
        if (!error) log.info(line, "request");
        else if (error.code === "internal") log.error({ ...line, err: error.cause ?? error }, "request failed");
        else log.warn({ ...line, error: error.message }, "request failed");
      }
    },
  };
}
