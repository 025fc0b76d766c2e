import type { ProviderConfig, TracingConfig } from "../../gen/sluice/v1/config_pb.js";

type OtlpProtocol = "http/protobuf" | "http/json" | "grpc";

/** A provider as its attempt spans describe it. */
interface TracedProvider {
  kind: string;
  /** `server.address` / `server.port` of its base URL (absent: no URL, e.g. the mock). */
  address?: string;
  port?: number;
  /** `providers[].propagate_trace`, or its default. */
  propagate: boolean;
}

/**
 * Tracing as configured: `telemetry.tracing` fields first, then the standard OTEL_* variables,
 * then the defaults. Built without loading the SDK (tracing/index.ts loads it only when this
 * says tracing is on).
 */
export interface TracingSettings {
  protocol: OtlpProtocol;
  /** The traces endpoint as the exporter takes it (absent: the exporter reads the variables / uses its default). */
  url: string | undefined;
  headers: Record<string, string> | undefined;
  serviceName: string;
  /** OTEL_TRACES_SAMPLER's values (`telemetry.tracing.sampler`, else the variable); absent: parentbased_always_on. */
  sampler: string | undefined;
  samplerArg: number | undefined;
  batch: { scheduledDelayMillis?: number; maxQueueSize?: number; maxExportBatchSize?: number; exportTimeoutMillis?: number };
  captureContent: boolean;
  providers: ReadonlyMap<string, TracedProvider>;
}

const PROTOCOLS: readonly string[] = ["http/protobuf", "http/json", "grpc"];
const SAMPLERS: readonly string[] = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"];

/** The settings, or undefined when tracing is off (nothing configured, `enabled: false`, OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none). */
export function tracingSettings(config: TracingConfig | undefined, providers: readonly ProviderConfig[], env: NodeJS.ProcessEnv = process.env): TracingSettings | undefined {
  if (config?.enabled === false) return undefined;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  if (config?.enabled !== true && env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === "none") return undefined;
  const configured = config?.enabled === true || !!config?.endpoint || !!config?.tracesEndpoint || !!env.OTEL_EXPORTER_OTLP_ENDPOINT || !!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!configured) return undefined;

  const protocol = (config?.protocol || env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || "http/protobuf").trim() as OtlpProtocol;
  const batch = config?.batch;
  const envNumber = (name: string): number | undefined => {
    const text = env[name]?.trim();
    const n = text ? Number(text) : NaN;
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const envSampler = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  const headers = config && Object.keys(config.headers).length > 0 ? config.headers : undefined;
  return {
    protocol,
    url: config?.tracesEndpoint || (config?.endpoint ? withSignalPath(config.endpoint, protocol) : undefined),
    headers,
    serviceName: config?.serviceName || env.OTEL_SERVICE_NAME || "sluice",
    sampler: config?.sampler || (envSampler && SAMPLERS.includes(envSampler) ? envSampler : undefined),
    samplerArg: config?.samplerArg ?? envNumber("OTEL_TRACES_SAMPLER_ARG"),
    batch: definedOnly({
      scheduledDelayMillis: batch?.scheduleDelayMs || envNumber("OTEL_BSP_SCHEDULE_DELAY"),
      maxQueueSize: batch?.maxQueueSize || envNumber("OTEL_BSP_MAX_QUEUE_SIZE"),
      maxExportBatchSize: batch?.maxExportBatchSize || envNumber("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
      exportTimeoutMillis: batch?.exportTimeoutMs || envNumber("OTEL_BSP_EXPORT_TIMEOUT"),
    }),
    captureContent: config?.captureContent ?? false,
    providers: new Map(providers.map((p) => [p.id, tracedProvider(p)])),
  };
}

function definedOnly<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as never;
}

/** Problems with `telemetry.tracing` (for the config check), each naming its field. */
export function tracingConfigProblems(config: TracingConfig | undefined): string[] {
  if (!config) return [];
  const problems: string[] = [];
  if (config.protocol && !PROTOCOLS.includes(config.protocol)) problems.push(`telemetry.tracing.protocol: expected one of ${PROTOCOLS.join(", ")}, got "${config.protocol}"`);
  if (config.sampler && !SAMPLERS.includes(config.sampler)) problems.push(`telemetry.tracing.sampler: expected one of ${SAMPLERS.join(", ")}, got "${config.sampler}"`);
  if (config.samplerArg !== undefined && !(config.samplerArg >= 0 && config.samplerArg <= 1)) problems.push(`telemetry.tracing.sampler_arg: expected a ratio from 0 to 1, got ${config.samplerArg}`);
  for (const [field, url] of [["endpoint", config.endpoint], ["traces_endpoint", config.tracesEndpoint]] as const) {
    if (url && !isHttpUrl(url)) problems.push(`telemetry.tracing.${field}: expected an http(s) URL, got "${url}"`);
  }
  return problems;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT's rule: the base URL plus the signal's path (HTTP only; gRPC takes the base). */
function withSignalPath(base: string, protocol: OtlpProtocol): string {
  if (protocol === "grpc") return base;
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function tracedProvider(p: ProviderConfig): TracedProvider {
  let address: string | undefined;
  let port: number | undefined;
  let hostedOpenAI = p.kind === "openai" && !p.baseUrl;
  if (p.baseUrl) {
    try {
      const url = new URL(p.baseUrl);
      address = url.hostname;
      port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
      hostedOpenAI ||= url.hostname === "api.openai.com";
    } catch {
      // a bad base_url is the config check's to report
    }
  }
  // Self-hosted OpenAI-compatible servers (vLLM, Ollama ...) are usually traced by the same
  // operator; hosted APIs gain nothing from our trace ids.
  const propagate = p.propagateTrace ?? (p.kind === "openai" && !hostedOpenAI);
  return { kind: p.kind, ...(address !== undefined ? { address } : {}), ...(port !== undefined ? { port } : {}), propagate };
}
