import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { ConfigError } from "../../config/load.js";
import { resolveConfig } from "../../app/load-config.js";
import { createLogger } from "../../telemetry/logger.js";

export const serveCommand: Command = {
  help: `usage: sluice serve [--config FILE] [--port N] [--workers N|auto]

Runs the gateway: gRPC, gRPC-Web, Connect and the OpenAI-compatible REST API on one port.

options:
  --config FILE   YAML config (default: $SLUICE_CONFIG, else the built-in config:
                  127.0.0.1:8080, the mock provider, no keys)
  --port N        listen on port N instead of the config's (default: $SLUICE_PORT)
  --workers N     run N worker processes behind the one port (node:cluster); "auto": one per
                  core (default: $SLUICE_WORKERS, else 1: one process, no cluster). Limits, budgets, keys and policy
                  versions stay exact across workers (through Redis with redis.url, else
                  through the primary process); see the README, "Every core".

SIGTERM or SIGINT drains: new work is refused (503, UNAVAILABLE) while /readyz answers 503,
open requests and streams, REST and RPC, finish (up to server.drain_timeout_ms), then the
process exits 0. With --workers, SIGTERM to the primary drains every worker, and the primary
exits 0 once they all have; a worker that dies is started again.`,
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: { config: { type: "string" }, port: { type: "string" }, workers: { type: "string" } } });
    const portText = values.port ?? process.env.SLUICE_PORT;
    const port = portText === undefined || portText === "" ? undefined : Number(portText);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
      io.stderr.write(`sluice serve: --port must be an integer from 0 to 65535, got ${JSON.stringify(portText)}\n`);
      return 2;
    }
    const workersText = values.workers ?? (process.env.SLUICE_WORKERS || undefined);
    const workers = parseWorkers(workersText);
    if (workers === undefined) {
      io.stderr.write(`sluice serve: --workers must be "auto" or an integer from 1 to ${MAX_WORKERS}, got ${JSON.stringify(workersText)}\n`);
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
    // Each path imports only its own parts: the primary of --workers N serves nothing and does
    // not load the gateway (its RSS: bench/RESULTS.md, "Every core").
    if (cluster.isWorker) {
      const { runWorker } = await import("../../app/cluster/worker.js");
      process.exit(await runWorker(config, { port }));
    }
    if (workers > 1) {
      const { runPrimary } = await import("../../app/cluster/primary.js");
      process.exit(await runPrimary(config, { workers, log: createLogger(config.telemetry?.logLevel || "info", { sharedOutput: true }) }));
    }
    const { startGateway } = await import("../../app/start-gateway.js");
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

const MAX_WORKERS = 256;

/** `--workers`: absent means 1; `auto` one per core; undefined when invalid. */
function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return 1;
  if (text === "auto") return availableParallelism();
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_WORKERS ? n : undefined;
}
