import type { OtelMetricsConfig } from "../gen/sluice/v1/config_pb.js";

/** Where and how the GenAI client metrics are exported over OTLP (otel-metrics.ts). */
export interface OtelMetricsSettings {
  /** The full metrics URL (`.../v1/metrics`). */
  url: string;
  protocol: "http/protobuf" | "http/json";
  headers: Record<string, string>;
  exportIntervalMs: number;
  exportTimeoutMs: number;
  serviceName: string;
}

const PROTOCOLS = ["http/protobuf", "http/json"] as const;
const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The export settings from the `telemetry.otel_metrics` section and the standard OpenTelemetry
 * environment variables (a field set in the section wins over its variable; headers merge, the
 * section's win per name). `settings` is undefined when export is off: no endpoint anywhere,
 * `enabled: false`, or `OTEL_METRICS_EXPORTER=none` without `enabled: true`. `problems` name the
 * field or variable at fault; with any, there are no settings.
 */
export function otelMetricsSettings(section: OtelMetricsConfig | undefined, env: NodeJS.ProcessEnv): { settings?: OtelMetricsSettings; problems: string[] } {
  const problems: string[] = [];
  if (section?.enabled === false) return { problems };
  const exporters = (env.OTEL_METRICS_EXPORTER ?? "").split(",").map((s) => s.trim());
  if (exporters.includes("none") && section?.enabled !== true) return { problems };

  const url = metricsUrl(section, env, problems);
  const protocolFrom = section?.protocol
    ? { value: section.protocol, name: "telemetry.otel_metrics.protocol" }
    : env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL
      ? { value: env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, name: "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL" }
      : env.OTEL_EXPORTER_OTLP_PROTOCOL
        ? { value: env.OTEL_EXPORTER_OTLP_PROTOCOL, name: "OTEL_EXPORTER_OTLP_PROTOCOL" }
        : { value: "http/protobuf", name: "" };
  const protocol = PROTOCOLS.find((p) => p === protocolFrom.value.trim());
  if (!protocol) problems.push(`${protocolFrom.name}: expected http/protobuf or http/json, got ${JSON.stringify(protocolFrom.value)}${protocolFrom.value === "grpc" ? " (OTLP over gRPC is not supported for metrics)" : ""}`);

  const headers = {
    ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, "OTEL_EXPORTER_OTLP_HEADERS", problems),
    ...parseHeaders(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS, "OTEL_EXPORTER_OTLP_METRICS_HEADERS", problems),
    ...section?.headers,
  };
  const exportIntervalMs = section?.exportIntervalMs || milliseconds(env.OTEL_METRIC_EXPORT_INTERVAL, "OTEL_METRIC_EXPORT_INTERVAL", problems) || DEFAULT_INTERVAL_MS;
  const timeoutMs = section?.exportTimeoutMs || milliseconds(env.OTEL_METRIC_EXPORT_TIMEOUT, "OTEL_METRIC_EXPORT_TIMEOUT", problems) || DEFAULT_TIMEOUT_MS;
  const serviceName = section?.serviceName || env.OTEL_SERVICE_NAME || "sluice";

  if (url === undefined) {
    if (section?.enabled === true && problems.length === 0) problems.push("telemetry.otel_metrics: enabled needs an endpoint (endpoint, metrics_endpoint, OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)");
    return { problems };
  }
  if (problems.length > 0 || !protocol) return { problems };
  // The SDK's reader refuses a timeout longer than its interval.
  return { settings: { url, protocol, headers, exportIntervalMs, exportTimeoutMs: Math.min(timeoutMs, exportIntervalMs), serviceName }, problems };
}

/** The metrics URL: a signal-specific URL as is, else the base endpoint + `v1/metrics`. */
function metricsUrl(section: OtelMetricsConfig | undefined, env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  const candidates: Array<[string | undefined, string, boolean]> = [
    [section?.metricsEndpoint, "telemetry.otel_metrics.metrics_endpoint", false],
    [section?.endpoint, "telemetry.otel_metrics.endpoint", true],
    [env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", false],
    [env.OTEL_EXPORTER_OTLP_ENDPOINT, "OTEL_EXPORTER_OTLP_ENDPOINT", true],
  ];
  const found = candidates.find(([value]) => value !== undefined && value.trim() !== "");
  if (!found) return undefined;
  const [value, name, base] = found;
  let url: URL;
  try {
    url = new URL(value!.trim());
  } catch {
    problems.push(`${name}: expected an http(s) URL, got ${JSON.stringify(value)}`);
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`${name}: expected an http(s) URL, got ${JSON.stringify(value)}`);
    return undefined;
  }
  if (!base) return url.href;
  // The spec: the base endpoint gets `v1/metrics` appended to its path.
  return `${url.href.endsWith("/") ? url.href : `${url.href}/`}v1/metrics`;
}

/** `k1=v1,k2=v2` with percent-encoded values, as the OTLP exporter spec writes headers. */
function parseHeaders(text: string | undefined, name: string, problems: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!text) return headers;
  for (const pair of text.split(",")) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq).trim() : "";
    if (!key) {
      problems.push(`${name}: expected comma-separated name=value pairs, got ${JSON.stringify(pair.trim().slice(0, 40))}`);
      continue;
    }
    try {
      headers[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      problems.push(`${name}: the value of ${key} is not valid percent-encoding`);
    }
  }
  return headers;
}

function milliseconds(text: string | undefined, name: string, problems: string[]): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    problems.push(`${name}: expected a positive whole number of milliseconds, got ${JSON.stringify(text)}`);
    return undefined;
  }
  return value;
}
