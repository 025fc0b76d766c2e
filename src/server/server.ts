import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Gateway } from "../pipeline/gateway.js";
import { SluiceError } from "../errors/sluice-error.js";
import { gatewayRoutes } from "./connect-routes.js";
import { adminRoutes } from "./admin-routes.js";
import { sendError } from "./http/respond.js";
import type { HttpRequest, HttpResponse } from "./http/types.js";
import type { ListenAddress } from "./listen-address.js";
import { handleRest } from "./routes.js";

export interface ServerOptions {
  listen: ListenAddress;
  tls?: { cert: string; key: string };
  maxBodyBytes: number;
  drainTimeoutMs: number;
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
  let draining = false;

  const connectHandler = connectNodeAdapter({
    routes: (router) => {
      gatewayRoutes(gateway)(router);
      adminRoutes(gateway)(router);
    },
    readMaxBytes: options.maxBodyBytes,
    shutdownSignal: shutdown.signal,
  });
  const rest = { gateway, maxBodyBytes: options.maxBodyBytes, isReady: () => !draining };

  function handle(req: HttpRequest, res: HttpResponse): void {
    const url = req.url ?? "/";
    if (url.startsWith("/sluice.")) {
      if (draining) return void sendError(res, new SluiceError("unavailable", "the gateway is shutting down"));
      return void connectHandler(req as never, res as never);
    }
    const controller = new AbortController();
    inflight.add(controller);
    // "close" before the response finished means the client went away: stop the upstream work.
    res.once("close", () => {
      inflight.delete(controller);
      if (!res.writableFinished) controller.abort();
    });
    if (draining && !url.startsWith("/healthz") && !url.startsWith("/readyz")) {
      return void sendError(res, new SluiceError("unavailable", "the gateway is shutting down"), { connection: "close" });
    }
    handleRest(rest, req, res, controller.signal).catch((err) => {
      gateway.log.error({ err }, "unhandled error in REST handler");
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
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
