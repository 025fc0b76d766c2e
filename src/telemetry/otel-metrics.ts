import { randomUUID } from "node:crypto";
import type { Attributes, HrTime, ValueType } from "@opentelemetry/api";
import type { AggregationTemporality, DataPointType, HistogramMetricData, MeterProvider, MetricData, MetricProducer } from "@opentelemetry/sdk-metrics";
import type { OtelMetricsSettings } from "./otel-metrics-settings.js";

/**
 * The OpenTelemetry GenAI client metrics, exported over OTLP beside `/metrics`:
 *
 * - `gen_ai.client.token.usage` ({token}): input and output tokens (`gen_ai.token.type`);
 * - `gen_ai.client.operation.duration` (s): the whole request, `error.type` when it failed;
 * - `gen_ai.server.time_to_first_token` (s): streamed requests, to the first content chunk;
 *
 * with `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model` and
 * `gen_ai.response.model` (semantic conventions v1.37+). Settle records them from the figures
 * it gives the Prometheus series, so the two agree. Model values are the bounded metric labels
 * (ModelLabels), never a caller's raw string.
 */

/** What settle knows of one finished request. */
export interface GenAiOutcome {
  operation: "chat" | "embed";
  /** The configured provider id that answered (or would have); "" when none. */
  provider: string;
  requestModel: string;
  /** The provider model that answered; "" when none did. */
  responseModel: string;
  /** The catalog code when the request failed. */
  errorType: string | undefined;
  durationS: number;
  /** Streamed requests that sent a first chunk. */
  timeToFirstTokenS: number | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
}

/** The semantic conventions' `gen_ai.provider.name` of each provider kind. */
const PROVIDER_NAMES: Record<string, string> = {
  openai: "openai",
  "azure-openai": "azure.ai.openai",
  anthropic: "anthropic",
  gemini: "gcp.gemini",
  bedrock: "aws.bedrock",
};

const OPERATION_NAMES: Record<GenAiOutcome["operation"], string> = { chat: "chat", embed: "embeddings" };

// The conventions' advised bucket boundaries.
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * One histogram data point, aggregated here: explicit buckets (OTel's `(b[i-1], b[i]]`), sum,
 * count, min, max. The SDK's own instruments hash the attribute set on every record (a sort and
 * a JSON.stringify: ~9 µs for the four records of a request, bench:otel-metrics); this costs a
 * few array writes, and the SDK's reader and exporter still do the collecting and sending.
 */
class HistogramPoint {
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  constructor(
    readonly boundaries: readonly number[],
    readonly attributes: Attributes,
    readonly startTime: HrTime,
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  dataPoint(endTime: HrTime): HistogramPointData {
    return {
      attributes: this.attributes,
      startTime: this.startTime,
      endTime,
      value: { buckets: { boundaries: [...this.boundaries], counts: [...this.counts] }, sum: this.sum, count: this.count, min: this.min, max: this.max },
    };
  }
}

type HistogramPointData = HistogramMetricData["dataPoints"][number];

/** The points of one label combination, made once: records reuse them. */
interface PointSet {
  duration: HistogramPoint;
  timeToFirstToken: HistogramPoint;
  input: HistogramPoint;
  output: HistogramPoint;
}

/** The SDK's enum values, handed in by startGenAiMetrics (which loads the SDK) so this file imports it for types only. */
interface SdkEnums {
  histogram: DataPointType.HISTOGRAM;
  cumulative: AggregationTemporality.CUMULATIVE;
  double: ValueType.DOUBLE;
  int: ValueType.INT;
}

const DESCRIPTORS = {
  tokenUsage: { name: "gen_ai.client.token.usage", description: "Number of input and output tokens used.", unit: "{token}" },
  duration: { name: "gen_ai.client.operation.duration", description: "GenAI operation duration.", unit: "s" },
  timeToFirstToken: { name: "gen_ai.server.time_to_first_token", description: "Time to generate first token for successful responses.", unit: "s" },
};

export class GenAiMetrics {
  private readonly pointSets = new Map<string, PointSet>();

  /** @param providerKinds configured provider id -> kind (`openai`, `anthropic`, ...) */
  constructor(
    private readonly provider: MeterProvider,
    private readonly providerKinds: ReadonlyMap<string, string>,
  ) {}

  record(o: GenAiOutcome): void {
    const points = this.pointsOf(o);
    points.duration.record(o.durationS);
    if (o.timeToFirstTokenS !== undefined) points.timeToFirstToken.record(o.timeToFirstTokenS);
    if (o.inputTokens !== undefined) points.input.record(o.inputTokens);
    if (o.outputTokens !== undefined) points.output.record(o.outputTokens);
  }

  /** Sends what is recorded and not yet exported (on shutdown, and for tests). */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /** Exports what is left, then stops the export timer. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }

  /** The three metrics as the SDK's exporters take them: cumulative, the points that have values. */
  collect(sdk: SdkEnums): MetricData[] {
    const now = hrTimeNow();
    const tokens: Array<HistogramPointData> = [];
    const durations: Array<HistogramPointData> = [];
    const ttfts: Array<HistogramPointData> = [];
    for (const p of this.pointSets.values()) {
      if (p.input.count > 0) tokens.push(p.input.dataPoint(now));
      if (p.output.count > 0) tokens.push(p.output.dataPoint(now));
      if (p.duration.count > 0) durations.push(p.duration.dataPoint(now));
      if (p.timeToFirstToken.count > 0) ttfts.push(p.timeToFirstToken.dataPoint(now));
    }
    const metric = (descriptor: (typeof DESCRIPTORS)[keyof typeof DESCRIPTORS], valueType: ValueType, dataPoints: Array<HistogramPointData>): MetricData => ({
      descriptor: { ...descriptor, valueType },
      aggregationTemporality: sdk.cumulative,
      dataPointType: sdk.histogram,
      dataPoints,
    });
    const out: MetricData[] = [];
    if (tokens.length > 0) out.push(metric(DESCRIPTORS.tokenUsage, sdk.int, tokens));
    if (durations.length > 0) out.push(metric(DESCRIPTORS.duration, sdk.double, durations));
    if (ttfts.length > 0) out.push(metric(DESCRIPTORS.timeToFirstToken, sdk.double, ttfts));
    return out;
  }

  /** Every input is bounded (configured providers, model labels, catalog codes), so the map is too. */
  private pointsOf(o: GenAiOutcome): PointSet {
    const key = `${o.operation}\u0000${o.provider}\u0000${o.requestModel}\u0000${o.responseModel}\u0000${o.errorType ?? ""}`;
    let points = this.pointSets.get(key);
    if (!points) {
      const kind = this.providerKinds.get(o.provider);
      const base: Attributes = {
        "gen_ai.operation.name": OPERATION_NAMES[o.operation],
        // A kind the conventions do not list (the mock) keeps its own name, under `sluice.`.
        "gen_ai.provider.name": kind === undefined ? "sluice" : (PROVIDER_NAMES[kind] ?? `sluice.${kind}`),
      };
      if (o.requestModel) base["gen_ai.request.model"] = o.requestModel;
      if (o.responseModel) base["gen_ai.response.model"] = o.responseModel;
      if (o.errorType) base["error.type"] = o.errorType;
      const start = hrTimeNow();
      points = {
        duration: new HistogramPoint(DURATION_BUCKETS, base, start),
        timeToFirstToken: new HistogramPoint(TTFT_BUCKETS, base, start),
        input: new HistogramPoint(TOKEN_BUCKETS, { ...base, "gen_ai.token.type": "input" }, start),
        output: new HistogramPoint(TOKEN_BUCKETS, { ...base, "gen_ai.token.type": "output" }, start),
      };
      this.pointSets.set(key, points);
    }
    return points;
  }
}

function hrTimeNow(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/**
 * Starts the OTLP metrics pipeline: the SDK's periodic reader and OTLP exporter, fed by
 * GenAiMetrics as a metric producer. The SDK and the exporter are imported here, only when
 * export is configured: a gateway without it loads none of them.
 */
export async function startGenAiMetrics(settings: OtelMetricsSettings, providerKinds: ReadonlyMap<string, string>): Promise<GenAiMetrics> {
  const [sdk, api, resources, exporterModule] = await Promise.all([
    import("@opentelemetry/sdk-metrics"),
    import("@opentelemetry/api"),
    import("@opentelemetry/resources"),
    settings.protocol === "http/json" ? import("@opentelemetry/exporter-metrics-otlp-http") : import("@opentelemetry/exporter-metrics-otlp-proto"),
  ]);
  const exporter = new exporterModule.OTLPMetricExporter({ url: settings.url, headers: settings.headers, timeoutMillis: settings.exportTimeoutMs });
  const enums: SdkEnums = { histogram: sdk.DataPointType.HISTOGRAM, cumulative: sdk.AggregationTemporality.CUMULATIVE, double: api.ValueType.DOUBLE, int: api.ValueType.INT };
  let genAi: GenAiMetrics | undefined;
  const producer: MetricProducer = {
    collect: async () => ({ resourceMetrics: { resource, scopeMetrics: [{ scope: { name: "sluice" }, metrics: genAi!.collect(enums) }] }, errors: [] }),
  };
  const reader = new sdk.PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: settings.exportIntervalMs,
    exportTimeoutMillis: settings.exportTimeoutMs,
    metricProducers: [producer],
  });
  // One instance id per process: replicas and `--workers` processes each export their own
  // cumulative series, which a receiver must not merge.
  const resource = resources.resourceFromAttributes({ "service.name": settings.serviceName, "service.instance.id": randomUUID() });
  const provider = new sdk.MeterProvider({ resource, readers: [reader] });
  genAi = new GenAiMetrics(provider, providerKinds);
  return genAi;
}
