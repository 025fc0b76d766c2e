import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError, asSluiceError } from "../../errors/sluice-error.js";
import type { ProviderCall } from "../../core/provider.js";
import { offAbort, onAbort } from "../../core/abort-hooks.js";
import type { RequestContext } from "../context.js";
import type { Target } from "../../core/target.js";
import type { AttemptTrace } from "../../core/trace.js";

type Expiry = "first token" | "idle" | "total";

/**
 * One try at one target: its own abort signal (the caller's, plus the target's time limits
 * enforced here with exact timers for every adapter), the chunk iterator, and the conversion
 * of why it failed into a catalog error.
 */
export class Attempt {
  readonly startedAt = performance.now();
  firstChunkAt: number | undefined;
  readonly iterator: AsyncIterator<ChatChunk>;
  /** The attempt's client span, when the request is traced; dispatch ends it with the outcome. */
  readonly trace: AttemptTrace | undefined;
  /** Own controller only when this target has time limits; otherwise the caller's signal serves. */
  private readonly controller: AbortController | undefined;
  private expired: Expiry | undefined;
  /** The iterator said it is done: closing it has nothing left to stop. */
  private finished = false;
  private firstTokenTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private totalTimer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = () => this.controller?.abort();

  constructor(
    private readonly ctx: RequestContext,
    readonly target: Target,
    onRateLimit?: ProviderCall["onRateLimit"],
  ) {
    const t = target.timeouts;
    if (t.firstTokenMs || t.idleMs || t.totalMs) {
      this.controller = new AbortController();
      if (ctx.signal.aborted) this.controller.abort();
      else onAbort(ctx.signal, this.onCallerAbort);
      if (t.firstTokenMs) this.firstTokenTimer = setTimeout(() => this.expire("first token"), t.firstTokenMs);
      if (t.totalMs) this.totalTimer = setTimeout(() => this.expire("total"), t.totalMs);
    }
    const signal = this.controller?.signal ?? ctx.signal;
    this.trace = ctx.record.trace?.attempt(target.provider.id, target.provider.kind, target.model, ctx.request);
    this.iterator = target.provider.chat({ request: ctx.request, model: target.model, stream: ctx.stream, signal, onRateLimit, traceHeaders: this.trace?.headers })[Symbol.asyncIterator]();
  }

  /**
   * The next chunk; the first one stops the first-token clock, each one resets the idle clock.
   * A `then` on the adapter's promise rather than an async method: one promise and one turn of
   * the microtask queue fewer per chunk.
   */
  next(): Promise<IteratorResult<ChatChunk>> {
    return this.iterator.next().then(this.took);
  }

  private readonly took = (result: IteratorResult<ChatChunk>): IteratorResult<ChatChunk> => {
    if (!result.done) {
      this.trace?.chunk(result.value);
      if (this.firstChunkAt === undefined) {
        this.firstChunkAt = performance.now();
        clearTimeout(this.firstTokenTimer);
      }
      const idleMs = this.target.timeouts.idleMs;
      if (idleMs) {
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.expire("idle"), idleMs);
      }
    } else this.finished = true;
    return result;
  };

  /** Why the attempt failed, as a catalog error (a fired time limit is a timeout, not a cancel). */
  failure(err: unknown): SluiceError {
    const who = this.target.provider.id;
    if (this.expired) {
      const limit = this.target.timeouts[this.expired === "first token" ? "firstTokenMs" : this.expired === "idle" ? "idleMs" : "totalMs"];
      const code = this.firstChunkAt === undefined ? "upstream_timeout" : "stream_interrupted";
      return new SluiceError(code, `${who}: ${this.expired} timeout (${limit} ms)`, { cause: err });
    }
    if (this.ctx.signal.aborted) return new SluiceError("cancelled", "request cancelled", { cause: err });
    return asSluiceError(err);
  }

  /** Stops timers, lets go of the caller's signal and closes the adapter's stream. */
  async close(): Promise<void> {
    clearTimeout(this.firstTokenTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.totalTimer);
    if (this.controller) offAbort(this.ctx.signal, this.onCallerAbort);
    // A finished generator has nothing to stop: its return() would only cost a promise and a tick.
    if (!this.finished) await this.iterator.return?.().catch(() => undefined);
  }

  private expire(which: Expiry): void {
    this.expired ??= which;
    this.controller?.abort();
  }
}
