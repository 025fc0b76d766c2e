import http from "node:http";
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from "node:http";
import type { HttpResponse } from "./types.js";

/**
 * The gateway's HTTP/1.1 response (the server's `ServerResponse` class). Every response carries
 * its request's ids: `x-request-id`, and `x-sluice-worker` under `--workers`. Set with
 * `setHeader` as the request arrived, they put every response on the slow path of Node's
 * `writeHead`: once any header has been set ahead, each header of the head goes through
 * `setHeader` and is kept as a [name, value] pair before the head is written (~1.3 µs a request
 * in a `perf` profile under load: bench/RESULTS.md, "Performance (issue 15)", session 8). So they are
 * written with the head instead: the responders of the request path add them to the header
 * object they hand to `writeHead` (`withRequestIds`), which Node then writes as it is, and any
 * other head (connect-node's, an implicit one, an early refusal) gets them set just before it
 * is written.
 */
export class GatewayResponse extends http.ServerResponse {
  requestId: string | undefined = undefined;
  workerId: string | undefined = undefined;
  private idsInHead = false;

  /** Adds the ids to `headers`, a header object the caller made for the `writeHead` it is about to call. */
  addIds(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
    if (this.requestId !== undefined) headers["x-request-id"] = this.requestId;
    if (this.workerId !== undefined) headers["x-sluice-worker"] = this.workerId;
    this.idsInHead = true;
    return headers;
  }

  override writeHead(statusCode: number, reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    if (!this.idsInHead) {
      this.idsInHead = true;
      if (this.requestId !== undefined) this.setHeader("x-request-id", this.requestId);
      if (this.workerId !== undefined) this.setHeader("x-sluice-worker", this.workerId);
    }
    return super.writeHead(statusCode, reason as string, headers);
  }
}

/**
 * `headers`, a fresh object for the `writeHead` about to be called, with the request's ids when
 * `res` is the gateway's HTTP/1.1 response (HTTP/2 responses had them set on arrival).
 */
export function withRequestIds(res: HttpResponse, headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return res instanceof GatewayResponse ? res.addIds(headers) : headers;
}
