import { EventEmitter } from "node:events";
import { Pool, type Dispatcher } from "undici";
import type { ProviderConfig } from "../gen/sluice/v1/config_pb.js";
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_PROVIDER_TIMEOUTS } from "../config/defaults.js";
import { SluiceError } from "../errors/sluice-error.js";
import { WholeAnswerHandler, type WholeAnswer } from "./whole-answer.js";
import { offAbort, onAbort } from "../core/abort-hooks.js";

export interface Deadline {
  /** What undici listens to (it takes an EventEmitter that emits "abort" as well as an AbortSignal). */
  readonly signal: EventEmitter;
  readonly callerSignal: AbortSignal;
  clear(): void;
}

export interface UpstreamTimeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
  totalMs: number;
}

function providerTimeouts(config: ProviderConfig): UpstreamTimeouts {
  const t = config.timeouts;
  const d = DEFAULT_PROVIDER_TIMEOUTS;
  return {
    connectMs: t?.connectMs || d.connectMs,
    firstByteMs: t?.firstByteMs || d.firstByteMs,
    idleMs: t?.idleMs || d.idleMs,
    totalMs: t?.totalMs || d.totalMs,
  };
}

/**
 * A keep-alive connection pool to one provider origin (undici), with the provider's
 * timeouts: connect, first byte (headers) and idle (between body chunks) are enforced by
 * undici; the total, and the caller's cancel, end the request too. Two ways to send: `request`
 * for an answer read as it streams (its body is a stream), `requestWhole` for one read whole.
 * Failures become catalog errors here, so adapters only deal with HTTP statuses and bodies.
 */
export class UpstreamPool {
  private readonly pool: Pool;
  private readonly basePath: string;
  readonly timeouts: UpstreamTimeouts;

  constructor(
    private readonly providerId: string,
    baseUrl: string,
    config: ProviderConfig,
  ) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.timeouts = providerTimeouts(config);
    this.pool = new Pool(url.origin, {
      connections: config.maxConnections || DEFAULT_MAX_CONNECTIONS,
      connect: { timeout: this.timeouts.connectMs },
      headersTimeout: this.timeouts.firstByteMs,
      bodyTimeout: this.timeouts.idleMs,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /**
   * Sends a request under `basePath` whose answer is read as a stream. `deadline` is the
   * request's abort signal (see `startDeadline`): the caller's signal plus the total timeout.
   */
  async request(
    path: string,
    init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; deadline: Deadline },
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await this.pool.request({
        path: this.basePath + path,
        method: init.method,
        headers: init.headers,
        body: init.body,
        signal: init.deadline.signal,
      });
    } catch (err) {
      throw this.mapError(err, init.deadline.callerSignal);
    }
  }

  /**
   * Sends a request under `basePath` and reads the answer whole (any status), ending it early
   * when `callerSignal` aborts or the total timeout passes. For answers nobody streams: it
   * costs less per request than `request` (see WholeAnswerHandler).
   */
  async requestWhole(
    path: string,
    init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; callerSignal: AbortSignal },
  ): Promise<WholeAnswer> {
    try {
      return await new Promise<WholeAnswer>((resolve, reject) => {
        const handler = new WholeAnswerHandler(resolve, reject, init.callerSignal, this.timeouts.totalMs);
        this.pool.dispatch({ path: this.basePath + path, method: init.method, headers: init.headers, body: init.body ?? null }, handler);
      });
    } catch (err) {
      throw this.mapError(err, init.callerSignal);
    }
  }

  /**
   * An abort signal that fires when the caller's does or when the total timeout passes. Call
   * `clear()` when the request is over. (Not AbortSignal.timeout/any: on Node 20 their timers
   * and listeners live until they fire, which at thousands of requests a second and a
   * ten-minute total is millions of pending timers. Not an AbortController either: undici
   * accepts an EventEmitter, which costs a fraction of one per request.)
   */
  startDeadline(callerSignal: AbortSignal): Deadline {
    const signal = new AbortEmitter();
    const abort = () => signal.abort();
    if (callerSignal.aborted) signal.abort();
    else onAbort(callerSignal, abort);
    const timer = setTimeout(abort, this.timeouts.totalMs);
    timer.unref();
    return {
      signal,
      callerSignal,
      clear() {
        clearTimeout(timer);
        offAbort(callerSignal, abort);
      },
    };
  }

  /** Maps a transport failure (before or during the body) to the catalog. */
  mapError(err: unknown, callerSignal: AbortSignal, duringBody = false): SluiceError {
    if (err instanceof SluiceError) return err;
    if (callerSignal.aborted) return new SluiceError("cancelled", "request cancelled", { cause: err });
    const code = (err as { code?: string; name?: string }).code ?? (err as { name?: string }).name;
    const who = this.providerId;
    switch (code) {
      case "UND_ERR_CONNECT_TIMEOUT":
        return new SluiceError("upstream_timeout", `${who}: connect timed out`, { cause: err });
      case "UND_ERR_HEADERS_TIMEOUT":
        return new SluiceError("upstream_timeout", `${who}: no response within ${this.timeouts.firstByteMs} ms`, { cause: err });
      case "UND_ERR_BODY_TIMEOUT":
        return new SluiceError(duringBody ? "stream_interrupted" : "upstream_timeout", `${who}: stream idle for ${this.timeouts.idleMs} ms`, { cause: err });
      case "TimeoutError":
      case "UND_ERR_ABORTED":
      case "AbortError":
        return new SluiceError(duringBody ? "stream_interrupted" : "upstream_timeout", `${who}: request exceeded ${this.timeouts.totalMs} ms`, { cause: err });
      default:
        if (duringBody) return new SluiceError("stream_interrupted", `${who}: stream broke before it finished`, { cause: err });
        return new SluiceError("upstream_unavailable", `${who}: unreachable`, { cause: err });
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The `aborted` flag and "abort" event undici reads from a request's signal. */
class AbortEmitter extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit("abort");
  }
}
