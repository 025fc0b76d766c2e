import type { Logger as PinoLogger } from "pino";
import type { Config } from "../gen/sluice/v1/config_pb.js";
import { DEFAULT_CORS_MAX_AGE_S } from "../config/defaults.js";
import { parseListen } from "../config/listen-address.js";
import type { Gateway } from "../pipeline/gateway.js";
import { startServer, type RunningServer } from "../server/server.js";
import { createLogger, pinoLines } from "../telemetry/logger.js";
import { startTracing } from "../telemetry/tracing/index.js";
import { createGateway, type SharedParts } from "./create-gateway.js";
import { releaseStartupGarbage } from "./startup-gc.js";

export interface RunningGateway extends RunningServer {
  readonly gateway: Gateway;
  readonly log: PinoLogger;
}

/** Builds the gateway from a checked config (`createGateway`) and serves it. `port` overrides the config's. */
export async function startGateway(
  config: Config,
  overrides: { port?: number | undefined; logger?: PinoLogger; worker?: { id: string; shared: SharedParts } } = {},
): Promise<RunningGateway> {
  const server = config.server!;
  const listen = parseListen(server.listen)!;
  if (overrides.port !== undefined) listen.port = overrides.port;
  const log = overrides.logger ?? createLogger(config.telemetry?.logLevel || "info");
  const { gateway, mcp } = await createGateway(config, log, overrides.worker?.shared);
  const tracing = await startTracing(config, log);
  const running = await startServer(gateway, {
    mcp,
    listen,
    tls: server.tls ? { cert: server.tls.cert, key: server.tls.key } : undefined,
    maxBodyBytes: server.maxBodyBytes,
    drainTimeoutMs: server.drainTimeoutMs,
    timeouts: { headersMs: server.timeouts!.headersMs, requestMs: server.timeouts!.requestMs, idleMs: server.timeouts!.idleMs },
    maxConnectionsPerClient: server.maxConnectionsPerClient,
    accessLog: config.telemetry?.accessLog ?? true,
    accessLines: pinoLines(log),
    cors: server.cors ? { allowedOrigins: server.cors.allowedOrigins, allowCredentials: server.cors.allowCredentials, maxAgeS: server.cors.maxAgeS || DEFAULT_CORS_MAX_AGE_S } : undefined,
    workerId: overrides.worker?.id,
    tracing,
  });
  // A cluster's primary says "sluice listening" once every worker is (cluster/primary.ts).
  const message = overrides.worker ? "worker listening" : "sluice listening";
  log.info({ url: running.url, providers: config.providers.map((p) => p.id), keys: gateway.principals.ring.size, ...(overrides.worker ? { worker: overrides.worker.id } : {}) }, message);
  log.flush();
  releaseStartupGarbage();
  return {
    ...running,
    gateway,
    log,
    async close() {
      await running.close();
      await gateway.close();
      // Exports the last spans; an unreachable collector does not hold the shutdown past 5 s.
      if (tracing) await Promise.race([tracing.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
    },
  };
}
