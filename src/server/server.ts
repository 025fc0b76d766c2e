import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { createContextValues } from "@connectrpc/connect";
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
import { sendError } from "./http/respond.js";
import type { HttpRequest, HttpResponse } from "./http/types.js";
import type { ListenAddress } from "../config/listen-address.js";
import { handleRest } from "./routes.js";

export interface ServerOptions {
  listen: ListenAddress;
  tls?: { cert: string; key: string };
  maxBodyBytes: number;
  drainTimeoutMs: number;
  /** `telemetry.access_log`: one info line per request (failures of the gateway's own are logged either way). Default true. */
  accessLog?: boolean;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Stops accepting, lets open requests finish until the drain deadline, then closes. */
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
  const inflight = new Set<AbortController>();
  const shutdown = new AbortController();
  const accessLog = options.accessLog ?? true;
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
    shutdownSignal: shutdown.signal,
  });
  const rest = { gateway, maxBodyBytes: options.maxBodyBytes, isReady: () => !draining };

  /**
   * Every request, whatever the surface: a request id (the caller's when safe, else a new one)
   * set as a response header before anything else writes headers, a call record handed down
   * to the gateway, and one access-log line when the response has ended.
   */
  function handle(req: HttpRequest, res: HttpResponse): void {
    const startedAt = performance.now();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const protocol = path.startsWith("/sluice.") ? rpcProtocolOf(req) : undefined;
    const call: ServerCall = { record: newCallRecord(protocol ? surfaceOf(protocol) : "rest", callerRequestId(req.headers["x-request-id"])) };
    res.setHeader("x-request-id", call.record.requestId);
    res.once("close", () => {
      if (protocol === "grpc") call.rpcCode = sentGrpcStatus(res) ?? call.rpcCode;
      const entry = { call, method: req.method ?? "", path, status: res.statusCode, startedAt, aborted: !res.writableFinished };
      afterSettled(call, () => writeAccessLog(gateway.log, accessLog, entry));
    });
    if (protocol) return handleRpc(req, res, path, protocol, call);

    const controller = new AbortController();
    inflight.add(controller);
    // "close" before the response finished means the client went away: stop the upstream work.
    res.once("close", () => {
      inflight.delete(controller);
      if (!res.writableFinished) controller.abort();
    });
    if (draining && path !== "/healthz" && path !== "/readyz") {
      return sendError(req, res, call, new SluiceError("unavailable", "the gateway is shutting down"), { connection: "close" });
    }
    const done = beginWork(call);
    handleRest(rest, req, res, path, { call, signal: controller.signal, maxBodyBytes: options.maxBodyBytes })
      .catch((err) => {
        if (!res.headersSent) return sendError(req, res, call, err);
        noteError(call, asSluiceError(err));
        res.destroy();
      })
      .then(done);
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

  const sessions = new Set<http2.ServerHttp2Session>();
  const trackSession = (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  };

  let listener: net.Server;
  let h1: http.Server | undefined;
  if (options.tls) {
    const secure = http2.createSecureServer(
      { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key), allowHTTP1: true },
      handle as never,
    );
    secure.on("session", trackSession);
    listener = secure;
  } else {
    h1 = http.createServer({ keepAliveTimeout: 65_000 }, handle as never);
    const h2 = http2.createServer({}, handle as never);
    h2.on("session", trackSession);
    listener = net.createServer((socket) => routeConnection(socket, h1!, h2));
  }

  // Every accepted socket, whichever server ends up owning it, so shutdown can close them all.
  const sockets = new Set<net.Socket>();
  listener.on("connection", (socket: net.Socket) => {
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
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      h1?.closeIdleConnections();
      for (const session of sessions) session.close();
      const deadline = Date.now() + options.drainTimeoutMs;
      while (inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Past the deadline: cut what is left.
      shutdown.abort();
      for (const controller of inflight) controller.abort();
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
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
function routeConnection(socket: net.Socket, h1: http.Server, h2: http2.Http2Server): void {
  socket.setNoDelay(true);
  let seen: Buffer = Buffer.alloc(0);
  const onData = (data: Buffer) => {
    seen = seen.length === 0 ? data : Buffer.concat([seen, data]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2Prefix = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2Prefix && seen.length < H2_PREFACE.length) return; // not enough bytes to tell yet
    socket.off("data", onData);
    socket.off("error", onError);
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
