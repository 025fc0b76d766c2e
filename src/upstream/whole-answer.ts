import type { IncomingHttpHeaders } from "node:http";
import { errors, type Dispatcher } from "undici";
import { offAbort, onAbort } from "../core/abort-hooks.js";

/** An answer read whole: status, headers and the body's bytes. */
export interface WholeAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * An undici dispatch handler that collects an answer whole. For an answer the caller does not
 * stream, `Pool.request` costs a stream per response (an AsyncResource, a Readable and its
 * consume machinery for `.json()`) and an abort listener on a signal; this handler keeps the
 * chunks in an array and aborts through undici's controller, so it costs a few objects.
 * Undici still enforces the connect, first-byte and idle timeouts; this adds the total one and
 * the caller's cancellation. Settles once: `onComplete` resolves, `onError` rejects (with what
 * undici reports, or `RequestAbortedError` after a cancel or the total timeout).
 */
export class WholeAnswerHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private cancelled = false;
  private statusCode = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly onCancel = (): void => this.cancel();

  constructor(
    private readonly resolve: (answer: WholeAnswer) => void,
    private readonly reject: (err: Error) => void,
    private readonly callerSignal: AbortSignal,
    totalMs: number,
  ) {
    if (callerSignal.aborted) this.cancelled = true;
    else onAbort(callerSignal, this.onCancel);
    this.timer = setTimeout(this.onCancel, totalMs);
    this.timer.unref();
  }

  /** Undici calls this when the request goes on a connection; a cancel before that aborts it here. */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled) controller.abort(new errors.RequestAbortedError());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.finish();
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.finish();
    this.reject(err);
  }

  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.controller?.abort(new errors.RequestAbortedError());
  }

  private finish(): void {
    clearTimeout(this.timer);
    offAbort(this.callerSignal, this.onCancel);
  }
}
