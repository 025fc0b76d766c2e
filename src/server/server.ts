import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { newCallRecord } from "../core/call-record.js";
import { AdminService } from "../gen/sluice/v1/admin_pb.js";
import { GatewayService } from "../gen/sluice/v1/gateway_pb.js";
import type { Gateway } from "../pipeline/gateway.js";
import { SluiceError, asSluiceError } from "../errors/sluice-error.js";
import { adminRoutes, authenticateAdmin } from "./admin-routes.js";
import { beginWork, noteCaller, noteError, serverCallKey, type ServerCall } from "./call.js";
import { errorInterceptor } from "./connect/interceptor.js";
import { refuseRpc, rpcProtocolOf, sentGrpcStatus, surfaceOf, type RpcProtocol } from "./connect/protocol.js";
import { gatewayRoutes } from "./connect-routes.js";
import { writeAccessLog } from "./http/access-log.js";
import { bearerToken, callerRequestId } from "./http/body.js";
import { corsHandler, type CorsSettings } from "./http/cors.js";
import { endResponse, sendError } from "./http/respond.js";
import { Inflight, type InflightEntry } from "./http/inflight.js";
import { GatewayResponse } from "./http/response.js";
import { SpareControllers } from "./http/spare-controllers.js";
import type { HttpRequest, HttpResponse } from "./http/types.js";
import type { ListenAddress } from "../config/listen-address.js";
import type { LineWriter } from "../core/logger.js";
import type { McpGateway } from "../mcp/mcp-gateway.js";
import type { Tracing } from "../telemetry/tracing/index.js";
import { handleRest } from "./routes.js";

type Http1Server = http.Server<typeof http.IncomingMessage, typeof GatewayResponse>;

export interface ServerOptions {
  listen: ListenAddress;
  tls?: { cert: string; key: string };
  maxBodyBytes: number;
  drainTimeoutMs: number;
  /** `telemetry.access_log`: one info line per request (failures of the gateway's own are logged either way). Default true. */
  accessLog?: boolean;
  /** Where the access log's pre-serialized lines go (the gateway's logger's stream). */
  accessLines: LineWriter;
  /** `server.timeouts`: what a client may take to send a request, and how long idle connections stay. */
  timeouts: { headersMs: number; requestMs: number; idleMs: number };
  /** `server.max_connections_per_client`: 0 for no cap. */
  maxConnectionsPerClient?: number;
  /** The MCP gateway served at /mcp, when `mcp.servers` is configured. */
  mcp?: McpGateway | undefined;
  /** `server.cors`: absent, no CORS work is done at all. */
  cors?: CorsSettings | undefined;
  /** With `--workers N` (N > 1): this worker's number, sent as `x-sluice-worker` on every response. */
  workerId?: string;
  /** `telemetry.tracing`: a server span per request (absent: tracing is off and costs one check). */
  tracing?: Tracing | undefined;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /**
   * Drains: new work is refused (503 / UNAVAILABLE; `/readyz` answers 503 on new connections
   * too), open requests and RPCs finish until the drain deadline, what is left is then
   * stopped, and the port closes.
   */
  close(): Promise<void>;
}

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

const methodPaths = (service: typeof GatewayService | typeof AdminService) => new Set(service.methods.map((m) => `/${service.typeName}/${m.name}`));
const GATEWAY_METHODS = methodPaths(GatewayService);
const ADMIN_METHODS = methodPaths(AdminService);

/**
 * One port for everything: gRPC, gRPC-Web and Connect (connect-node) under
 * `/sluice.v1.*`, the REST API and the operational endpoints everywhere else, over HTTP/1.1
 * and HTTP/2. Cleartext: Node ignores `allowHTTP1` without TLS, so each connection's first
 * bytes are read and the socket goes to the HTTP/2 server when they are the HTTP/2 preface,
 * to the HTTP/1.1 server otherwise. With TLS, ALPN chooses (h2, http/1.1).
 */
export async function startServer(gateway: Gateway, options: ServerOptions): Promise<RunningServer> {
  // Every request and RPC from its arrival until its response closes: the drain waits for
  // them, and stops what is left at its deadline.
  const inflight = new Inflight();
  let onIdle: (() => void) | undefined;
  const untrack = (entry: InflightEntry) => {
    inflight.remove(entry);
    if (inflight.size === 0) onIdle?.();
  };
  const accessLog = options.accessLog ?? true;
  const workerId = options.workerId;
  const tracing = options.tracing;
  const { requestMs, idleMs } = options.timeouts;
  const headersMs = Math.min(options.timeouts.headersMs, requestMs);
  let draining = false;

  // connect-node hands handlers the server's call of their request (record, principal).
  const calls = new WeakMap<HttpRequest, ServerCall>();
  const connectHandler = connectNodeAdapter({
    routes: (router) => {
      gatewayRoutes(gateway)(router);
      adminRoutes(gateway)(router);
    },
    interceptors: [errorInterceptor()],
    contextValues: (req) => createContextValues().set(serverCallKey, calls.get(req)),
    readMaxBytes: options.maxBodyBytes,
    // No shutdownSignal: every call would add a listener to the one shared signal. The drain
    // stops calls one by one (`ServerCall.stop`).
  });
  const rest = { gateway, mcp: options.mcp, maxBodyBytes: options.maxBodyBytes, isReady: () => !draining };
  const spareControllers = new SpareControllers();
  const cors = corsHandler(options.cors);

  /**
   * Every request, whatever the surface: a request id (the caller's when safe, else a new one)
   * that every response carries (on HTTP/1.1 written with the head: see GatewayResponse), a
   * call record handed down to the gateway, and one access-log line when the response has ended.
   */
  function handle(req: HttpRequest, res: HttpResponse): void {
    if (cors !== undefined) {
      const origin = req.headers.origin;
      if (origin !== undefined && cors(req, res, origin)) return; // a preflight, answered
    }
    const startedAt = performance.now();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const protocol = path.startsWith("/sluice.") ? rpcProtocolOf(req) : undefined;
    const surface = protocol ? surfaceOf(protocol) : path.startsWith("/v1/messages") ? "anthropic" : "rest";
    const call: ServerCall = { record: newCallRecord(surface, callerRequestId(req.headers["x-request-id"])) };
    const span = tracing?.startRequest({ method: req.method ?? "", path, headers: req.headers, ...(protocol ? { rpcProtocol: protocol } : {}) });
    if (span) call.record.trace = span;
    if (res instanceof GatewayResponse) {
      res.requestId = call.record.requestId;
      res.workerId = workerId;
    } else {
      res.setHeader("x-request-id", call.record.requestId);
      if (workerId !== undefined) res.setHeader("x-sluice-worker", workerId);
    }
    // REST: a spare controller when one is free (spare-controllers.ts); it goes back once both the
    // response has closed and the gateway's work is over (`settled` counts those two).
    const controller = protocol ? new AbortController() : spareControllers.take();
    let settled = 0;
    const tracked = inflight.add(controller);
    res.once("close", () => {
      if (protocol === "grpc") call.rpcCode = sentGrpcStatus(res) ?? call.rpcCode;
      const entry = { call, method: req.method ?? "", path, status: res.statusCode, startedAt, aborted: !res.writableFinished };
      afterSettled(call, () => {
        writeAccessLog(gateway.log, options.accessLines, accessLog, entry);
        span?.end({ status: entry.status, rpcCode: call.rpcCode, aborted: entry.aborted, record: call.record });
      });
      // "close" before the response finished means the client went away: stop the upstream work.
      if (!res.writableFinished) controller.abort();
      untrack(tracked);
      if (++settled === 2) spareControllers.give(controller);
    });
    if ("stream" in req) watchStream(req, res as http2.Http2ServerResponse, protocol === undefined, requestMs);
    else if (draining) res.setHeader("connection", "close");
    if (protocol) {
      call.stop = controller.signal;
      return handleRpc(req, res, path, protocol, call);
    }

    if (draining && path !== "/healthz" && path !== "/readyz") {
      return sendError(req, res, call, new SluiceError("unavailable", "the gateway is shutting down"), { connection: "close" });
    }
    const done = beginWork(call);
    handleRest(rest, req, res, path, { call, signal: controller.signal, maxBodyBytes: options.maxBodyBytes })
      .catch((err) => {
        if (!res.headersSent) return sendError(req, res, call, err);
        // An answer already complete (a request timed out while its body was read) stays as sent.
        if (res.writableEnded) return;
        noteError(call, asSluiceError(err));
        res.destroy();
      })
      .then(() => {
        done();
        if (++settled === 2) spareControllers.give(controller);
      });
  }

  /**
   * gRPC, gRPC-Web and Connect: the caller is authenticated here, before connect-node reads
   * the body, and refused in its own protocol; the call goes to the handlers in the context.
   */
  function handleRpc(req: HttpRequest, res: HttpResponse, path: string, protocol: RpcProtocol, call: ServerCall): void {
    if (draining) return refuseRpc(req, res, call, protocol, new SluiceError("unavailable", "the gateway is shutting down"));
    if (req.method !== "OPTIONS") {
      try {
        if (GATEWAY_METHODS.has(path)) {
          noteCaller(call, gateway.authenticate(bearerToken(req.headers.authorization)));
        } else if (ADMIN_METHODS.has(path)) {
          call.record.keyId = authenticateAdmin(gateway, req.headers.authorization).keyId;
          call.admin = true;
        }
      } catch (err) {
        return refuseRpc(req, res, call, protocol, asSluiceError(err));
      }
    }
    calls.set(req, call);
    connectHandler(req as never, res as never);
  }

  // HTTP/2 sessions, each closed (GOAWAY) once it has had no open stream for idle_ms.
  const sessions = new Set<http2.ServerHttp2Session>();
  const trackSession = (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    let open = 0;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      idle = setTimeout(() => session.close(), idleMs);
      idle.unref();
    };
    arm();
    session.on("stream", (stream: http2.ServerHttp2Stream) => {
      open++;
      clearTimeout(idle);
      stream.once("close", () => {
        if (--open === 0 && !session.closed && !session.destroyed) arm();
      });
    });
    session.once("close", () => {
      clearTimeout(idle);
      sessions.delete(session);
    });
  };

  let listener: net.Server;
  let h1: Http1Server | undefined;
  let closeIdleConnections = () => h1?.closeIdleConnections();
  if (options.tls) {
    const secure = http2.createSecureServer(
      { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key), allowHTTP1: true, handshakeTimeout: headersMs, Http1ServerResponse: GatewayResponse },
      handle as never,
    );
    secure.on("session", trackSession);
    // HTTP/1.1 over TLS: the secure server applies these itself (it listens).
    Object.assign(secure, { headersTimeout: headersMs, requestTimeout: requestMs, keepAliveTimeout: idleMs, connectionsCheckingInterval: checkingInterval(headersMs) });
    closeIdleConnections = () => (secure as unknown as http.Server).closeIdleConnections();
    listener = secure;
  } else {
    h1 = http.createServer(
      { keepAliveTimeout: idleMs, headersTimeout: headersMs, requestTimeout: requestMs, connectionsCheckingInterval: checkingInterval(headersMs), ServerResponse: GatewayResponse },
      handle as never,
    );
    // The HTTP/1.1 server is handed sockets and never listens; Node starts its connection
    // tracking (headersTimeout, requestTimeout, closeIdleConnections) on "listening".
    h1.emit("listening");
    const h2 = http2.createServer({}, handle as never);
    h2.on("session", trackSession);
    listener = net.createServer((socket) => routeConnection(socket, h1!, h2, headersMs));
  }

  // Every accepted socket, whichever server ends up owning it, so shutdown can close them all;
  // past `max_connections_per_client` from one address, a new one is closed at once.
  const sockets = new Set<net.Socket>();
  const perClient = new Map<string, number>();
  const cap = options.maxConnectionsPerClient ?? 0;
  listener.on("connection", (socket: net.Socket) => {
    if (cap > 0) {
      const address = socket.remoteAddress ?? "";
      const count = (perClient.get(address) ?? 0) + 1;
      if (count > cap) {
        socket.destroy();
        return;
      }
      perClient.set(address, count);
      socket.once("close", () => {
        const left = perClient.get(address)! - 1;
        if (left > 0) perClient.set(address, left);
        else perClient.delete(address);
      });
    }
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.listen.port, options.listen.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const address = listener.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    host: address.address,
    port: address.port,
    url: `${options.tls ? "https" : "http"}://${host}:${address.port}`,
    async close() {
      draining = true;
      options.mcp?.drain(); // MCP clients' open GET streams would otherwise hold the drain to its deadline
      // The port keeps accepting until the end: /readyz answers 503, new work is refused.
      closeIdleConnections();
      for (const session of sessions) session.close(); // GOAWAY: no new streams, open ones go on
      const whenIdle = (ms: number) =>
        new Promise<void>((resolve) => {
          if (inflight.size === 0) return resolve();
          const done = () => {
            clearTimeout(timer);
            onIdle = undefined;
            resolve();
          };
          const timer = setTimeout(done, ms);
          onIdle = done;
        });
      await whenIdle(options.drainTimeoutMs);
      if (inflight.size > 0) {
        // Past the deadline: stop what is left; RPCs end with UNAVAILABLE if their client still reads.
        const reason = new ConnectError("the gateway is shutting down", Code.Unavailable);
        for (const controller of inflight.controllers()) controller.abort(reason);
        await whenIdle(STOP_GRACE_MS);
      }
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      h1?.close(() => {}); // ends its connection tracking
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** After the drain deadline, how long stopped calls get to send their final status before their connections are closed. */
const STOP_GRACE_MS = 1000;

/** How often Node's HTTP/1.1 server checks header and request timeouts (their precision). */
function checkingInterval(headersMs: number): number {
  return Math.max(100, Math.min(1000, Math.floor(headersMs / 4)));
}

/**
 * HTTP/2 streams: a request body that has not all arrived within `requestMs` ends the stream
 * (REST not yet answered: 408; otherwise reset with CANCEL). A response that is complete while
 * the request's body has not all arrived (an RPC refused on its message's declared size)
 * closes the stream with NO_ERROR once its trailers are out, so the client stops sending:
 * unread bodies would otherwise pile up in the session until Node refuses every new stream.
 */
function watchStream(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, rest: boolean, requestMs: number): void {
  const stream = req.stream;
  const bodyPending = () => !req.complete && !stream.destroyed && !stream.closed && stream.state.remoteClose !== 1;
  if (!stream.endAfterHeaders) {
    const timer = setTimeout(() => {
      if (!bodyPending()) return;
      if (rest && !res.headersSent) {
        res.writeHead(408, { "content-length": "0" });
        endResponse(req, res);
      } else {
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    }, requestMs);
    timer.unref();
    stream.once("close", () => clearTimeout(timer));
  }
  // Registered after the compatibility layer's own listener, which sends the trailers (in an
  // immediate). The stream is then destroyed: Node would otherwise wait for the unread body to
  // be consumed before letting it go.
  stream.once("wantTrailers", () =>
    setImmediate(() => {
      if (!bodyPending()) return;
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
      stream.destroy();
    }),
  );
}

/** How long an access line waits, after the response ended, for the gateway to finish an abandoned call. */
const SETTLE_GRACE_MS = 10_000;

/** Runs `then` once the call's gateway work is over (or the grace period ran out: every request gets its line). */
function afterSettled(call: ServerCall, then: () => void): void {
  if (!call.working) return then();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, SETTLE_GRACE_MS).unref()));
  void Promise.race([call.working, grace]).then(() => {
    clearTimeout(timer);
    then();
  });
}

/** Reads just enough of a new connection to tell HTTP/2 from HTTP/1.1, then hands it over. */
function routeConnection(socket: net.Socket, h1: Http1Server, h2: http2.Http2Server, headersMs: number): void {
  socket.setNoDelay(true);
  // A connection that sends nothing (or not enough to tell) is closed like a request whose headers never come.
  const onTimeout = () => socket.destroy();
  socket.setTimeout(headersMs, onTimeout);
  let seen: Buffer = Buffer.alloc(0);
  const onData = (data: Buffer) => {
    seen = seen.length === 0 ? data : Buffer.concat([seen, data]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2Prefix = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2Prefix && seen.length < H2_PREFACE.length) return; // not enough bytes to tell yet
    socket.off("data", onData);
    socket.off("error", onError);
    socket.setTimeout(0);
    socket.off("timeout", onTimeout);
    socket.pause();
    socket.unshift(seen);
    if (isH2Prefix) {
      // The HTTP/2 session reads the unshifted bytes itself (socket.read() on the next tick)
      // and then consumes the socket natively: resuming it here would steal that data.
      h2.emit("connection", socket);
    } else {
      h1.emit("connection", socket);
      socket.resume();
    }
  };
  const onError = () => socket.destroy();
  socket.on("data", onData);
  socket.on("error", onError);
}
