import { create } from "@bufbuild/protobuf";
import { EmbedResponseSchema } from "../../gen/sluice/v1/gateway_pb.js";
import { newUsage } from "../../core/canonical.js";
import { asSluiceError, type SluiceError } from "../../errors/sluice-error.js";
import { isRetryable } from "../../errors/upstream.js";
import type { GatewayMetrics } from "../../telemetry/metrics.js";
import type { Phase } from "../phase.js";

/**
 * Embeddings from the resolved targets in order: the first that answers is the answer; a
 * retryable failure (5xx, 429, timeout) moves on to the next. The provider's input-token count
 * becomes the request's usage, which settle bills like a chat request's.
 */
export function embedDispatchPhase(metrics: GatewayMetrics): Phase {
  return {
    name: "dispatch",
    async onRequest(ctx) {
      const request = ctx.embedRequest!;
      ctx.upstreamStartAt = performance.now();
      let lastError: SluiceError | undefined;
      try {
        for (const target of ctx.targets) {
          const started = performance.now();
          try {
            const result = await target.provider.embed!({ model: target.model, inputs: request.inputs, dimensions: request.dimensions, signal: ctx.signal });
            ctx.attempts.push({ provider: target.provider.id, model: target.model, outcome: "ok", ms: performance.now() - started });
            metrics.attempt(target.provider.id, "ok").inc();
            ctx.answeredBy = { provider: target.provider.id, model: target.model };
            ctx.usage = newUsage({ inputTokens: result.inputTokens });
            ctx.embedResponse = create(EmbedResponseSchema, {
              embeddings: result.vectors.map((values) => ({ values })),
              usage: ctx.usage,
              provider: target.provider.id,
              model: result.model,
            });
            return;
          } catch (err) {
            lastError = asSluiceError(err);
            ctx.attempts.push({ provider: target.provider.id, model: target.model, outcome: lastError.code, ms: performance.now() - started });
            metrics.attempt(target.provider.id, lastError.code).inc();
            if (!isRetryable(lastError) || ctx.signal.aborted) break;
          }
        }
        throw lastError!;
      } finally {
        ctx.upstreamEndAt = performance.now();
      }
    },
  };
}
