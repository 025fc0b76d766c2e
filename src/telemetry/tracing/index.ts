import type { Config } from "../../gen/sluice/v1/config_pb.js";
import type { Logger } from "../../core/logger.js";
import { tracingSettings } from "./settings.js";
import type { Tracing } from "./tracing.js";

export { tracingConfigProblems } from "./settings.js";
export type { Tracing } from "./tracing.js";

/**
 * Tracing as `telemetry.tracing` and the OTEL_* variables configure it, or undefined when it is
 * off. The OpenTelemetry SDK is loaded here, by a dynamic import, only when tracing is on: off,
 * it costs no memory and no start-up time, and the request path only checks for a trace.
 */
export async function startTracing(config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  const settings = tracingSettings(config.telemetry?.tracing, config.providers, env);
  if (!settings) return undefined;
  const { startSdk } = await import("./sdk.js");
  const tracing = await startSdk(settings, log);
  log.info({ protocol: settings.protocol, endpoint: settings.url ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT, service: settings.serviceName, capture_content: settings.captureContent }, "tracing on");
  return tracing;
}
