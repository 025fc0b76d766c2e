// The OpenTelemetry SDK, set up from TracingSettings. Loaded only by a dynamic import from
// tracing/index.ts when tracing is on: with tracing off none of these packages is loaded.
import { diag, DiagLogLevel, type Sampler as ApiSampler } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import type { Logger } from "../../core/logger.js";
import type { TracingSettings } from "./settings.js";
import { Tracing } from "./tracing.js";

/** A provider, a batch processor and the OTLP exporter of the configured protocol. */
export async function startSdk(settings: TracingSettings, log: Logger): Promise<Tracing> {
  // The SDK's own complaints (an unreachable collector, a dropped batch) go to our log, once each.
  const seen = new Set<string>();
  diag.setLogger(
    {
      error: (msg) => once(msg, () => log.warn({ component: "otel" }, `tracing: ${msg}`)),
      warn: (msg) => once(msg, () => log.warn({ component: "otel" }, `tracing: ${msg}`)),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  function once(msg: string, write: () => void): void {
    if (seen.has(msg) || seen.size > 100) return;
    seen.add(msg);
    write();
  }

  const exporter = await createExporter(settings);
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ "service.name": settings.serviceName }));
  const sampler = buildSampler(settings);
  const provider = new BasicTracerProvider({
    resource,
    ...(sampler ? { sampler } : {}),
    spanProcessors: [new BatchSpanProcessor(exporter, { ...settings.batch })],
  });
  const tracer = provider.getTracer("sluice");
  return new Tracing(tracer, new W3CTraceContextPropagator(), settings, () => provider.shutdown());
}

async function createExporter(settings: TracingSettings): Promise<SpanExporter> {
  const http = { ...(settings.url ? { url: settings.url } : {}), ...(settings.headers ? { headers: settings.headers } : {}) };
  switch (settings.protocol) {
    case "http/json":
      return new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter(http);
    case "grpc":
      // Headers for gRPC come from OTEL_EXPORTER_OTLP_HEADERS (the exporter reads it).
      return new (await import("@opentelemetry/exporter-trace-otlp-grpc")).OTLPTraceExporter(settings.url ? { url: settings.url } : {});
    default:
      return new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter(http);
  }
}

/** The configured sampler; undefined leaves it to OTEL_TRACES_SAMPLER(_ARG), which the SDK reads. */
function buildSampler(settings: TracingSettings): Sampler | undefined {
  if (!settings.sampler) return undefined;
  const ratio = settings.samplerArg ?? numberFromEnv("OTEL_TRACES_SAMPLER_ARG") ?? 1;
  const root: Record<string, () => ApiSampler> = {
    always_on: () => new AlwaysOnSampler(),
    always_off: () => new AlwaysOffSampler(),
    traceidratio: () => new TraceIdRatioBasedSampler(ratio),
    parentbased_always_on: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    parentbased_always_off: () => new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    parentbased_traceidratio: () => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
  };
  return (root[settings.sampler] ?? root.parentbased_always_on!)() as Sampler;
}

function numberFromEnv(name: string): number | undefined {
  const text = process.env[name]?.trim();
  if (!text) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
