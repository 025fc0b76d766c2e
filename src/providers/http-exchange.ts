import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import type { ChatChunk } from "../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../errors/sluice-error.js";
import type { UpstreamPool } from "../upstream/pool.js";
import type { ProviderCall } from "../core/provider.js";
import { readRateLimit } from "./rate-limit.js";

/** What differs between HTTP providers; `exchangeChat` does the rest the same way for all. */
export interface ChatExchange {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** An HTTP error status -> catalog error, from the provider's error body and headers. */
  error(status: number, bodyText: string, headers: IncomingHttpHeaders): SluiceError;
  /** The whole answer (the caller does not stream) -> one chunk. */
  whole(json: unknown, headers: IncomingHttpHeaders): ChatChunk;
  /** The streamed answer's bytes -> chunks. The body's iterator may be left early (an end marker such as `[DONE]`). */
  stream(body: AsyncIterable<Uint8Array>, headers: IncomingHttpHeaders): AsyncIterable<ChatChunk>;
  /** A provider-specific failure of the stream decoder -> catalog error (default: transport mapping). */
  streamError?(err: unknown, started: boolean): SluiceError | undefined;
}

/**
 * One request to a provider over the pool, the same for every HTTP adapter: the deadline (the
 * caller's signal plus the total timeout), error statuses through the provider's error mapper,
 * a whole answer read whole and parsed as JSON, or a stream whose transport failures map to
 * `upstream_*` before its first chunk and `stream_interrupted` after. Token rate-limit headers,
 * on any status, go to `call.onRateLimit`. A streamed body is always closed at the end, so an
 * early stop (client gone, error) ends the upstream request.
 */
export function exchangeChat(providerId: string, pool: UpstreamPool, call: ProviderCall, ex: ChatExchange): AsyncIterable<ChatChunk> {
  // Object.assign, not a spread of two objects: that takes V8's slow path here (~1 µs a request).
  const headers = call.traceHeaders ? Object.assign({}, ex.headers, call.traceHeaders) : ex.headers;
  if (!call.stream) return new OneChunk(() => exchangeWhole(providerId, pool, call, ex, headers));
  return exchangeStream(providerId, pool, call, ex, headers);
}

async function exchangeWhole(providerId: string, pool: UpstreamPool, call: ProviderCall, ex: ChatExchange, headers: Record<string, string>): Promise<ChatChunk> {
  const res = await pool.requestWhole(ex.path, { method: "POST", headers, body: ex.body, callerSignal: call.signal });
  reportRateLimit(call, res.headers);
  if (res.statusCode >= 400) throw ex.error(res.statusCode, res.body.toString("utf8"), res.headers);
  return ex.whole(parseJsonAnswer(providerId, res.body), res.headers);
}

/**
 * A whole answer as an async iterator of its one chunk, started by the first `next()` like a
 * generator, without an async generator's object and resumptions per request. Consumers call
 * `next()` one at a time (Attempt), which is all this supports.
 */
class OneChunk implements AsyncIterableIterator<ChatChunk> {
  private started = false;

  constructor(private readonly answer: () => Promise<ChatChunk>) {}

  next(): Promise<IteratorResult<ChatChunk>> {
    if (this.started) return Promise.resolve({ done: true, value: undefined });
    this.started = true;
    return this.answer().then((value) => ({ done: false, value }));
  }

  return(): Promise<IteratorResult<ChatChunk>> {
    this.started = true;
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

async function* exchangeStream(providerId: string, pool: UpstreamPool, call: ProviderCall, ex: ChatExchange, headers: Record<string, string>): AsyncGenerator<ChatChunk> {
  const deadline = pool.startDeadline(call.signal);
  try {
    const res = await pool.request(ex.path, { method: "POST", headers, body: ex.body, deadline });
    reportRateLimit(call, res.headers);
    let complete = false;
    try {
      if (res.statusCode >= 400) {
        const text = await res.body.text().catch(() => "");
        throw ex.error(res.statusCode, text, res.headers);
      }
      let started = false;
      try {
        // Not destroyed when the adapter stops reading at its end marker: that would cost an
        // AbortError with its stack per stream (~30 µs under load); see `drainRest`.
        for await (const chunk of ex.stream(res.body.iterator({ destroyOnReturn: false }), res.headers)) {
          started = true;
          yield chunk;
        }
        complete = true;
      } catch (err) {
        throw (!call.signal.aborted && ex.streamError?.(err, started)) || pool.mapError(err, call.signal, started);
      }
    } finally {
      // Stopped early (client gone, error): destroying the unread body ends the upstream request;
      // it emits an abort error nobody waits for: swallow it.
      if (!res.body.destroyed) {
        if (complete) drainRest(res.body);
        else res.body.on("error", () => {}).destroy();
      }
    }
  } finally {
    deadline.clear();
  }
}

/** Bytes an upstream may still send after the end of its answer before its connection is cut. */
const MAX_BYTES_AFTER_END = 64 * 1024;

/**
 * After the adapter has read its answer to the end marker: whatever is left (usually nothing,
 * or the body's last bytes already buffered) is read so the body ends on its own and the
 * connection goes back to the pool; an upstream that keeps sending is cut off.
 */
function drainRest(body: Dispatcher.ResponseData["body"]): void {
  let left = MAX_BYTES_AFTER_END;
  body
    .on("error", () => {})
    .on("data", (bytes: Buffer) => {
      left -= bytes.length;
      if (left < 0) body.destroy();
    })
    .resume();
}

/** Token rate-limit headers, on any status, go to `call.onRateLimit`. */
function reportRateLimit(call: ProviderCall, headers: IncomingHttpHeaders): void {
  if (!call.onRateLimit) return;
  const limit = readRateLimit(headers);
  if (limit) call.onRateLimit(limit);
}

/** A whole answer's body as JSON (a leading byte-order mark allowed), or `upstream_unavailable`. */
export function parseJsonAnswer(providerId: string, body: Buffer): unknown {
  const text = body.toString("utf8");
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new SluiceError("upstream_unavailable", `${providerId}: answered with a body that is not JSON`, { cause: err });
  }
}
