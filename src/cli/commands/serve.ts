import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { ConfigError } from "../../config/load.js";
import { resolveConfig } from "../../app/load-config.js";
import { startGateway } from "../../app/start-gateway.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "run the gateway",
  help: `usage: sluice serve [--config FILE] [--port N]

Runs the gateway: gRPC, gRPC-Web, Connect and the OpenAI-compatible REST API on one port.

options:
  --config FILE   YAML config (default: $SLUICE_CONFIG, else the built-in config:
                  127.0.0.1:8080, the mock provider, no keys)
  --port N        listen on port N instead of the config's (default: $SLUICE_PORT)

SIGTERM or SIGINT drains: new work is refused (503, UNAVAILABLE) while /readyz answers 503,
open requests and streams, REST and RPC, finish (up to server.drain_timeout_ms), then the
process exits 0.`,
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: { config: { type: "string" }, port: { type: "string" } } });
    const portText = values.port ?? process.env.SLUICE_PORT;
    const port = portText === undefined || portText === "" ? undefined : Number(portText);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
      io.stderr.write(`sluice serve: --port must be an integer from 0 to 65535, got ${JSON.stringify(portText)}\n`);
      return 2;
    }
    let config;
    try {
      config = resolveConfig(values.config ?? process.env.SLUICE_CONFIG);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(err.message + "\n");
        return 2;
      }
      throw err;
    }
    const running = await startGateway(config, { port });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        running.log.info({ signal }, "draining");
        running.close().then(resolve, resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    running.log.info("stopped");
    await new Promise<void>((resolve) => running.log.flush(() => resolve()));
    // Everything is drained and closed; leave now rather than wait for every client library's
    // background timers (e.g. a Redis client still reconnecting to a dead server) to stop.
    process.exit(0);
  },
};
