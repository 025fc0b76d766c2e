import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError, asSluiceError } from "../../errors/sluice-error.js";
import { isRetryable } from "../../errors/upstream.js";
import type { RequestContext } from "../context.js";
import type { Phase } from "../phase.js";

/**
 * Sends the request to its targets in order. A target that fails before its first chunk with
 * a retryable error (unreachable, 5xx, timeout, 429) hands over to the next one; once a chunk
 * has been sent the answer is committed to that target, and a later failure ends the stream.
 */
export const dispatchPhase: Phase = {
  name: "dispatch",
  onRequest(ctx) {
    ctx.answer ??= dispatch(ctx);
  },
};

async function* dispatch(ctx: RequestContext): AsyncGenerator<ChatChunk> {
  ctx.upstreamStartAt = performance.now();
  for (let i = 0; i < ctx.targets.length; i++) {
    const target = ctx.targets[i]!;
    const started = performance.now();
    const chunks = target.provider.chat({ request: ctx.request, model: target.model, stream: ctx.stream, signal: ctx.signal });
    const iterator = chunks[Symbol.asyncIterator]();
    let first: IteratorResult<ChatChunk>;
    try {
      first = await iterator.next();
    } catch (err) {
      const error = asSluiceError(err);
      ctx.attempts.push({ provider: target.provider.id, model: target.model, outcome: error.code, ms: performance.now() - started });
      if (ctx.signal.aborted) throw new SluiceError("cancelled", "request cancelled");
      if (isRetryable(error) && i < ctx.targets.length - 1) continue;
      throw error;
    }
    ctx.answeredBy = { provider: target.provider.id, model: target.model };
    try {
      if (!first.done) yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        yield next.value;
      }
      ctx.attempts.push({ provider: target.provider.id, model: target.model, outcome: "ok", ms: performance.now() - started });
    } catch (err) {
      const error = asSluiceError(err);
      ctx.attempts.push({ provider: target.provider.id, model: target.model, outcome: error.code, ms: performance.now() - started });
      if (ctx.signal.aborted) throw new SluiceError("cancelled", "request cancelled");
      // Part of the answer is already out: whatever broke, the stream was interrupted.
      throw error.code === "stream_interrupted" ? error : new SluiceError("stream_interrupted", error.message, { cause: error });
    } finally {
      ctx.upstreamEndAt = performance.now();
      await iterator.return?.();
    }
    return;
  }
}
