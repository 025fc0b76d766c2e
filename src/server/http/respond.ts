import http from "node:http";
import http2 from "node:http2";
import { asSluiceError, toOpenAIErrorBody, type SluiceError } from "../../errors/sluice-error.js";
import { noteError, type ServerCall } from "../call.js";
import type { HttpRequest, HttpResponse } from "./types.js";
import { withRequestIds } from "./response.js";

export function sendJson(res: HttpResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, withRequestIds(res, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers }));
  res.end(body);
}

/**
 * Any error as OpenAI's error body, with its catalog status and retry-after when known, noted
 * on the call's record for the access log. The one place REST turns a thrown error into a
 * response; a body the handler never read is not read now either.
 */
export function sendError(req: HttpRequest, res: HttpResponse, call: ServerCall | undefined, err: unknown, headers: Record<string, string> = {}): void {
  const error = asSluiceError(err);
  noteError(call, error);
  const body = toOpenAIErrorBody(error);
  const extra: Record<string, string> = { ...headers, ...unreadBodyHeaders(req) };
  if (error.retryAfterS !== undefined) extra["retry-after"] = String(Math.ceil(error.retryAfterS));
  res.writeHead(error.httpStatus, withRequestIds(res, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...extra }));
  endResponse(req, res, body);
}

/** Bodies past this size are not drained to keep an HTTP/1.1 connection: it is closed instead. */
const DRAIN_MAX_BYTES = 64 * 1024;

/**
 * Headers for a response sent while the request's body has not all arrived (a refusal before
 * the body is read): on HTTP/1.1, when the rest is large or of unknown length, the connection
 * closes after the response instead of the gateway reading the rest to reuse it.
 */
export function unreadBodyHeaders(req: HttpRequest): Record<string, string> {
  if (req.complete || "stream" in req) return {};
  const length = Number(req.headers["content-length"] ?? 0);
  return req.headers["transfer-encoding"] !== undefined || length > DRAIN_MAX_BYTES ? { connection: "close" } : {};
}

/**
 * Ends a response. On HTTP/2, when the request's body has not all arrived, the stream is then
 * closed with NO_ERROR, which asks the client to stop sending it (RFC 9113, section 8.1).
 */
export function endResponse(req: HttpRequest, res: HttpResponse, body?: string | Uint8Array): void {
  if (req.complete || !("stream" in req)) {
    if (body === undefined) res.end();
    else res.end(body);
    return;
  }
  const stream = req.stream;
  const close = () => {
    if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
  };
  if (body === undefined) (res as http2.Http2ServerResponse).end(close);
  else (res as http2.Http2ServerResponse).end(body, close);
}

/**
 * Writes one streamed event; when the client reads slower than the answer comes, returns a
 * promise that resolves once it has caught up (or gone), so the next chunk is not pulled from
 * the upstream before then: the backpressure reaches the provider's connection instead of
 * piling up here. Nothing to wait for (the usual case) returns undefined: no promise per chunk.
 */
function writeEvent(res: HttpResponse, event: string): Promise<void> | undefined {
  if (event === "" || (res as NodeJS.WritableStream).write(event)) return undefined;
  return drained(res);
}

/** Resolves once `res` has drained what it holds, or has gone. */
function drained(res: HttpResponse): Promise<void> | undefined {
  if (res.destroyed) return undefined;
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Pending event text written at once, whatever the tick: Node's default high-water mark. */
const FLUSH_AT_CHARS = 16 * 1024;

/**
 * The events after the first, written a burst at a time. A provider's burst (the chunks of one
 * read of its connection) is translated within one tick, and each `res.write` costs Node's write
 * path once more: a chunked-encoding frame (four buffers of the socket's writev) and a string to
 * convert, per event. The events of a tick are joined and written once, on the next tick; the
 * end marker (or error event) goes with what is still pending (~17 µs less per 19-event stream:
 * bench/RESULTS.md, "Performance (issue 15)", session 8). Backpressure as before: after a write
 * the socket refused, `caughtUp` waits for the drain before the next chunk is pulled.
 */
class EventBatch {
  private pending = "";
  private scheduled = false;
  private blocked = false;

  constructor(private readonly res: HttpResponse) {}

  add(event: string): void {
    if (event === "") return;
    this.pending += event;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
  }

  /**
   * A promise when the client has not taken the last write yet: the next chunk waits for it.
   * Events pending past a socket buffer's worth are written now: a burst that never yields to
   * the next tick (an upstream's bytes already buffered) must still meet the backpressure.
   */
  caughtUp(): Promise<void> | undefined {
    if (this.pending.length >= FLUSH_AT_CHARS) this.flush();
    if (!this.blocked) return undefined;
    this.blocked = false;
    return drained(this.res);
  }

  /** Ends the response with what is pending, then `last`. */
  end(last: string): void {
    const body = this.pending + last;
    this.pending = "";
    this.res.end(body);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const events = this.pending;
    this.pending = "";
    if (events === "" || this.res.writableEnded || this.res.destroyed) return;
    if (!(this.res as NodeJS.WritableStream).write(events)) this.blocked = true;
  };
}

/**
 * Sends what was written so far now. Node's HTTP/1.1 response corks its socket on a write and
 * uncorks it on the next tick, and the chunks of one read of the provider's connection are all
 * encoded within the same tick (promises, no tick in between): without this, the first event
 * would leave only with the last of them, after the whole burst was translated (time to first
 * byte, bench/RESULTS.md "Performance (issue 15)"). Later events keep Node's batching.
 */
function sendNow(res: HttpResponse): void {
  if (!(res instanceof http.ServerResponse)) return; // HTTP/2: no socket of its own to uncork
  const socket = res.socket;
  if (socket && socket.writableCorked > 0) socket.uncork();
}

/**
 * Sends a chat answer as server-sent events, the same way on every REST surface. The headers
 * wait for the first chunk, so a request that fails before any output (unknown model, provider
 * down) is thrown from here and gets a proper HTTP status; `headers` may still be filled in until
 * then (who answers, known at the answer's start). After that, a failure is noted on the call
 * and sent as the surface's error event, and the stream ends without its end marker.
 */
export async function sendEventStream<T>(
  res: HttpResponse,
  call: ServerCall,
  chunks: AsyncGenerator<T>,
  headers: Record<string, string>,
  events: { encode(chunk: T): string; end(): string; error(error: SluiceError): string },
): Promise<void> {
  const first = await chunks.next();
  // The guard phase runs before any answer: a flagged request says so.
  if (call.record.guard?.startsWith("flagged")) headers["x-sluice-guard"] = "flagged";
  res.writeHead(200, withRequestIds(res, headers));
  const batch = new EventBatch(res);
  try {
    if (!first.done) await writeEvent(res, events.encode(first.value));
    sendNow(res);
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      batch.add(events.encode(next.value));
      const caughtUp = batch.caughtUp();
      if (caughtUp) await caughtUp;
    }
    batch.end(events.end());
  } catch (err) {
    const error = asSluiceError(err);
    noteError(call, error);
    if (!res.writableEnded && !res.destroyed) batch.end(events.error(error));
  } finally {
    await chunks.return(undefined);
  }
}
