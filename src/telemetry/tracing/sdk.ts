// The OpenTelemetry SDK's parts, set up from TracingSettings. Loaded only by a dynamic import from
// tracing/index.ts when tracing is on: with tracing off none of these packages is loaded.
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { ExportResultCode, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPExporterBase, type IOtlpExportDelegate } from "@opentelemetry/otlp-exporter-base";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from "@opentelemetry/sdk-trace-base";
import type { Logger } from "../../core/logger.js";
import type { AttributeValue } from "./recorded-span.js";
import { SpanBatches, type BatchSender, type SpanBatch } from "./span-batches.js";
import { PooledIdGenerator } from "./span-ids.js";
import { JsonSpanEncoder, ProtobufSpanEncoder, type SpanOrigin } from "./span-encoding.js";
import type { TracingSettings } from "./settings.js";
import { Tracing } from "./tracing.js";

/**
 * Tracing from the SDK's samplers, W3C propagator (reading callers' headers), resource detection and OTLP
 * exporter transports (http and grpc: their endpoint, header, timeout, compression and retry
 * handling, OTEL_EXPORTER_OTLP_* included). Spans are recorded and encoded by Sluice's own
 * recorder (recorded-span.ts, span-encoding.ts) instead of the SDK's Span and serializer: at
 * 100 % sampling those cost ~50 µs per request in process and about four times that in the
 * gateway (bench/RESULTS.md, "Tracing overhead").
 */
export async function startSdk(settings: TracingSettings, log: Logger): Promise<Tracing> {
  // The SDK's own complaints (an unreachable collector, a dropped batch) go to our log, once each.
  const seen = new Set<string>();
  const warnOnce = (msg: string) => {
    if (seen.has(msg) || seen.size > 100) return;
    seen.add(msg);
    log.warn({ component: "otel" }, `tracing: ${msg}`);
  };
  // The SDK passes details as further arguments (a component logger puts its name first).
  const diagWarn = (...args: unknown[]) => warnOnce(args.map(describe).join(" "));
  diag.setLogger(
    { error: diagWarn, warn: diagWarn, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );

  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ "service.name": settings.serviceName }));
  const origin: SpanOrigin = { resource: resource.attributes as Record<string, AttributeValue | undefined>, resourceSchemaUrl: resource.schemaUrl, scopeName: "sluice" };
  const encoder = settings.protocol === "http/json" ? new JsonSpanEncoder(origin) : new ProtobufSpanEncoder(origin);
  const batches = new SpanBatches(encoder, await createSender(settings), settings.batch, warnOnce);
  return new Tracing(buildSampler(settings), new PooledIdGenerator(), new W3CTraceContextPropagator(), batches, settings);
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The SDK's OTLP transport for the configured protocol, sending bodies already encoded. */
async function createSender(settings: TracingSettings): Promise<BatchSender> {
  const json = settings.protocol === "http/json";
  const serializer = { serializeRequest: (batch: SpanBatch) => batch.body, deserializeResponse: json ? parseJsonResponse : parseProtobufResponse };
  const counted = { name: "span" as const, countItems: (batch: SpanBatch) => batch.count };
  let delegate: IOtlpExportDelegate<SpanBatch>;
  if (settings.protocol === "grpc") {
    const grpc = await import("@opentelemetry/otlp-grpc-exporter-base");
    // Headers for gRPC come from OTEL_EXPORTER_OTLP_HEADERS (the transport reads it).
    const options = grpc.convertLegacyOtlpGrpcOptions(settings.url ? { url: settings.url } : {}, "TRACES");
    delegate = grpc.createOtlpGrpcExportDelegate(options, serializer, "otlp_grpc_span_exporter", counted, undefined, "TraceExportService", "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  } else {
    const http = await import("@opentelemetry/otlp-exporter-base/node-http");
    const config = { ...(settings.url ? { url: settings.url } : {}), ...(settings.headers ? { headers: settings.headers } : {}) };
    const options = http.convertLegacyHttpOptions(config, "TRACES", "v1/traces", { "Content-Type": json ? "application/json" : "application/x-protobuf" });
    delegate = http.createOtlpHttpExportDelegate(options, serializer, "otlp_http_span_exporter", counted, undefined);
  }
  const exporter = new OTLPExporterBase(delegate);
  return {
    send: (batch, done) => exporter.export(batch, (result) => done(result.code === ExportResultCode.SUCCESS ? undefined : (result.error ?? new Error("export failed")))),
    shutdown: () => exporter.shutdown(),
  };
}

/** ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1 { int64 rejected_spans = 1; string error_message = 2 } }. */
interface ExportResponse {
  partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
}

function parseJsonResponse(data: Uint8Array): ExportResponse {
  return JSON.parse(Buffer.from(data).toString("utf8")) as ExportResponse;
}

/** Just enough protobuf for the partial-success report the exporter logs; other fields are skipped. */
function parseProtobufResponse(data: Uint8Array): ExportResponse {
  const out: ExportResponse = {};
  let pos = 0;
  const varint = (): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (pos >= data.length) throw new Error("truncated varint");
      const b = data[pos++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 128;
    }
  };
  /** Reads the fields up to `end`, handing each to `field`, which returns false to skip it. */
  const fields = (end: number, field: (number: number, wire: number) => boolean): void => {
    while (pos < end) {
      const tag = varint();
      const wire = tag & 7;
      if (field(tag >>> 3, wire)) continue;
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 2) pos += varint();
      else if (wire === 5) pos += 4;
      else throw new Error(`unsupported wire type ${wire}`);
    }
  };
  fields(data.length, (number, wire) => {
    if (number !== 1 || wire !== 2) return false;
    const partial: { rejectedSpans?: number; errorMessage?: string } = {};
    fields(pos + varint(), (inner, innerWire) => {
      if (inner === 1 && innerWire === 0) partial.rejectedSpans = varint();
      else if (inner === 2 && innerWire === 2) {
        const length = varint();
        partial.errorMessage = Buffer.from(data.subarray(pos, pos + length)).toString("utf8");
        pos += length;
      } else return false;
      return true;
    });
    out.partialSuccess = partial;
    return true;
  });
  return out;
}

/** The configured sampler (`telemetry.tracing.sampler`, else OTEL_TRACES_SAMPLER; default parentbased_always_on). */
function buildSampler(settings: TracingSettings): Sampler {
  const ratio = settings.samplerArg ?? 1;
  const root: Record<string, () => Sampler> = {
    always_on: () => new AlwaysOnSampler(),
    always_off: () => new AlwaysOffSampler(),
    traceidratio: () => new TraceIdRatioBasedSampler(ratio),
    parentbased_always_on: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    parentbased_always_off: () => new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    parentbased_traceidratio: () => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
  };
  return (root[settings.sampler ?? "parentbased_always_on"] ?? root.parentbased_always_on!)();
}
