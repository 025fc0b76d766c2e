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
  /** The streamed answer -> chunks. */
  stream(res: Dispatcher.ResponseData): AsyncIterable<ChatChunk>;
  /** A provider-specific failure of the stream decoder -> catalog error (default: transport mapping). */
  streamError?(err: unknown, started: boolean): SluiceError | undefined;
}

/**
 * One request to a provider over the pool, the same for every HTTP adapter: the deadline (the
 * caller's signal plus the total timeout), error statuses through the provider's error mapper,
 * a whole answer parsed as JSON, or a stream whose transport failures map to
 * `upstream_*` before its first chunk and `stream_interrupted` after. Token rate-limit headers,
 * on any status, go to `call.onRateLimit`. The response body is
 * always closed at the end, so an early stop (client gone, error) ends the upstream request.
 */
export async function* exchangeChat(providerId: string, pool: UpstreamPool, call: ProviderCall, ex: ChatExchange): AsyncGenerator<ChatChunk> {
  const deadline = pool.startDeadline(call.signal);
  try {
    // Object.assign, not a spread of two objects: that takes V8's slow path here (~1 µs a request).
    const headers = call.traceHeaders ? Object.assign({}, ex.headers, call.traceHeaders) : ex.headers;
    const res = await pool.request(ex.path, { method: "POST", headers, body: ex.body, deadline });
    if (call.onRateLimit) {
      const limit = readRateLimit(res.headers);
      if (limit) call.onRateLimit(limit);
    }
    try {
      if (res.statusCode >= 400) {
        const text = await res.body.text().catch(() => "");
        throw ex.error(res.statusCode, text, res.headers);
      }
      if (!call.stream) {
        let json: unknown;
        try {
          json = await res.body.json();
        } catch (err) {
          throw err instanceof SyntaxError
            ? new SluiceError("upstream_unavailable", `${providerId}: answered with a body that is not JSON`, { cause: err })
            : pool.mapError(err, call.signal);
        }
        yield ex.whole(json, res.headers);
        return;
      }
      let started = false;
      try {
        for await (const chunk of ex.stream(res)) {
          started = true;
          yield chunk;
        }
      } catch (err) {
        throw (!call.signal.aborted && ex.streamError?.(err, started)) || pool.mapError(err, call.signal, started);
      }
    } finally {
      // Destroying an unread body emits an abort error nobody waits for: swallow it.
      if (!res.body.destroyed) res.body.on("error", () => {}).destroy();
    }
  } finally {
    deadline.clear();
  }
}
