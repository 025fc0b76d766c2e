import type { ChatChunk } from "../gen/sluice/v1/gateway_pb.js";
import { SluiceError, asSluiceError } from "../errors/sluice-error.js";
import { hasContent, newChunk, newMetadata } from "../core/canonical.js";
import type { RequestContext } from "./context.js";
import type { Phase } from "./phase.js";
import { runTracedPhases, traceRequest } from "./trace-phases.js";

/**
 * Runs one request through the phases and yields the answer's chunks. Usage reported on any
 * chunk is folded into the context and sent once, on a final chunk that also carries the
 * gateway metadata; that chunk is the last thing yielded.
 */
export async function* runPhases(phases: readonly Phase[], ctx: RequestContext): AsyncGenerator<ChatChunk> {
  const chunkPhases = chunkPhasesOf(phases);
  let settled = false;
  const settle = (error: SluiceError | undefined): Promise<void> => {
    if (settled) return Promise.resolve();
    settled = true;
    return settlePhases(phases, ctx, error);
  };

  try {
    await runRequestPhases(phases, ctx);
    if (!ctx.answer) throw new SluiceError("internal", "no phase produced an answer");
    let last: ChatChunk | undefined;
    for await (const chunk of ctx.answer) {
      if (chunk.usage) {
        ctx.usage = chunk.usage;
        chunk.usage = undefined;
      }
      last = chunk;
      if (takeChunk(ctx, chunk, chunkPhases)) yield chunk;
    }
    await settle(undefined);
    yield trailer(ctx, last);
  } catch (err) {
    const error = failure(ctx, err);
    await settle(error);
    throw error;
  } finally {
    // Reached without settling only when the consumer stopped early (client went away).
    if (!settled) await settle(new SluiceError("cancelled", "request cancelled"));
  }
}

/**
 * The same run as `runPhases` for a caller that wants the whole answer (non-streaming chat): the
 * chunks go straight to `take` (the response assembler) instead of through one more async
 * generator between the answer and the caller. Settles once, like `runPhases`; the trailer
 * (usage and metadata) is the last chunk taken.
 */
export async function runWhole(phases: readonly Phase[], ctx: RequestContext, take: (chunk: ChatChunk) => void): Promise<void> {
  const chunkPhases = chunkPhasesOf(phases);
  let settled = false;
  try {
    await runRequestPhases(phases, ctx);
    if (!ctx.answer) throw new SluiceError("internal", "no phase produced an answer");
    let last: ChatChunk | undefined;
    for await (const chunk of ctx.answer) {
      if (chunk.usage) {
        ctx.usage = chunk.usage;
        chunk.usage = undefined;
      }
      last = chunk;
      if (takeChunk(ctx, chunk, chunkPhases)) take(chunk);
    }
    settled = true;
    await settlePhases(phases, ctx, undefined);
    take(trailer(ctx, last));
  } catch (err) {
    const error = failure(ctx, err);
    if (!settled) {
      settled = true;
      await settlePhases(phases, ctx, error);
    }
    throw error;
  }
}

/**
 * Every phase's `onRequest`, in order; as events of the request's span when it is traced. A
 * phase that returns no promise (most do: authenticate, resolve, route, dispatch) is not awaited:
 * `await undefined` still costs a promise and a turn of the microtask queue per phase.
 */
async function runRequestPhases(phases: readonly Phase[], ctx: RequestContext): Promise<void> {
  const trace = ctx.record.trace;
  if (trace !== undefined) return runTracedPhases(phases, ctx, trace);
  for (const phase of phases) {
    if (!phase.onRequest) continue;
    const pending = phase.onRequest(ctx);
    if (pending) await pending;
  }
}

/** Books a chunk of the answer on the context and runs the onChunk phases; false: it carries no content, nothing to send. */
function takeChunk(ctx: RequestContext, chunk: ChatChunk, chunkPhases: readonly Phase[]): boolean {
  if (!hasContent(chunk)) return false;
  ctx.firstChunkAt ??= performance.now();
  ctx.outputChars += chunk.textDelta.length + chunk.refusalDelta.length;
  for (const d of chunk.toolCallDeltas) ctx.outputChars += d.name.length + d.argumentsDelta.length;
  for (const phase of chunkPhases) phase.onChunk!(ctx, chunk);
  return true;
}

// The onChunk phases of each operation's list (the lists are built once, at start-up).
const chunkPhaseLists = new WeakMap<readonly Phase[], readonly Phase[]>();
function chunkPhasesOf(phases: readonly Phase[]): readonly Phase[] {
  let list = chunkPhaseLists.get(phases);
  if (!list) chunkPhaseLists.set(phases, (list = phases.filter((p) => p.onChunk)));
  return list;
}

/**
 * Runs an operation that answers in one piece (embed, count tokens, list models): the phases'
 * `onRequest` in order, then every `onSettle` in reverse, once, whatever happened. The answer
 * is on the context (the operation's own field).
 */
export async function runCall(phases: readonly Phase[], ctx: RequestContext): Promise<void> {
  let error: SluiceError | undefined;
  try {
    await runRequestPhases(phases, ctx);
  } catch (err) {
    error = failure(ctx, err);
  }
  await settlePhases(phases, ctx, error);
  if (error) throw error;
}

async function settlePhases(phases: readonly Phase[], ctx: RequestContext, error: SluiceError | undefined): Promise<void> {
  if (ctx.record.trace) traceRequest(ctx, ctx.record.trace);
  for (let i = phases.length - 1; i >= 0; i--) {
    const phase = phases[i]!;
    if (!phase.onSettle) continue;
    try {
      const pending = phase.onSettle(ctx, error); // awaited only when it is a promise (see runRequestPhases)
      if (pending) await pending;
    } catch {
      // onSettle must not throw; if one does, the others still run.
    }
  }
}

function failure(ctx: RequestContext, err: unknown): SluiceError {
  return ctx.signal.aborted ? new SluiceError("cancelled", "request cancelled", { cause: err }) : asSluiceError(err);
}

function trailer(ctx: RequestContext, last: ChatChunk | undefined): ChatChunk {
  const now = performance.now();
  const upstreamMs = ctx.upstreamStartAt !== undefined ? (ctx.upstreamEndAt ?? now) - ctx.upstreamStartAt : 0;
  return newChunk({
    id: last?.id ?? "",
    created: last?.created ?? BigInt(Math.floor(Date.now() / 1000)),
    model: last?.model ?? "",
    usage: ctx.usage,
    metadata: newMetadata({
      requestId: ctx.requestId,
      provider: ctx.answeredBy?.provider ?? "",
      model: ctx.answeredBy?.model ?? "",
      attempts: ctx.attempts.length,
      cacheStatus: ctx.cacheStatus,
      costUsd: ctx.costUsd,
      upstreamMs,
      gatewayMs: Math.max(0, now - ctx.startedAt - upstreamMs),
      prompt: ctx.prompt ? `${ctx.prompt.id}@${ctx.prompt.version}` : "",
      context: ctx.contextAction ?? "",
    }),
  });
}
