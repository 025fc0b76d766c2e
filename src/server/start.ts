import type { Config } from "../gen/sluice/v1/config_pb.js";
import { Gateway } from "../pipeline/gateway.js";
import { createLogger, type Logger } from "../telemetry/logger.js";
import { GatewayMetrics } from "../telemetry/metrics.js";
import { parseListen } from "./listen-address.js";
import { startServer, type RunningServer } from "./server.js";

export interface RunningGateway extends RunningServer {
  readonly gateway: Gateway;
  readonly log: Logger;
}

/** Builds the gateway from a checked config and serves it. `port` overrides the config's. */
export async function startGateway(config: Config, overrides: { port?: number | undefined; logger?: Logger } = {}): Promise<RunningGateway> {
  const server = config.server!;
  const listen = parseListen(server.listen)!;
  if (overrides.port !== undefined) listen.port = overrides.port;
  const log = overrides.logger ?? createLogger(config.telemetry?.logLevel || "info");
  const gateway = new Gateway(config, new GatewayMetrics(), log);
  const running = await startServer(gateway, {
    listen,
    tls: server.tls ? { cert: server.tls.cert, key: server.tls.key } : undefined,
    maxBodyBytes: server.maxBodyBytes,
    drainTimeoutMs: server.drainTimeoutMs,
  });
  log.info({ url: running.url, providers: config.providers.map((p) => p.id), keys: gateway.keys.size }, "sluice listening");
  return {
    ...running,
    gateway,
    log,
    async close() {
      await running.close();
      await gateway.close();
    },
  };
}
