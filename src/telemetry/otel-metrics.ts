import type { Attributes, Histogram } from "@opentelemetry/api";
import type { MeterProvider } from "@opentelemetry/sdk-metrics";
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

/** The attribute sets of one label combination, made once: records reuse them. */
interface AttributeSets {
  base: Attributes;
  input: Attributes;
  output: Attributes;
}

export class GenAiMetrics {
  private readonly tokenUsage: Histogram;
  private readonly duration: Histogram;
  private readonly timeToFirstToken: Histogram;
  private readonly attributeSets = new Map<string, AttributeSets>();

  /** @param providerKinds configured provider id -> kind (`openai`, `anthropic`, ...) */
  constructor(
    private readonly provider: MeterProvider,
    private readonly providerKinds: ReadonlyMap<string, string>,
  ) {
    const meter = provider.getMeter("sluice");
    this.tokenUsage = meter.createHistogram("gen_ai.client.token.usage", {
      description: "Number of input and output tokens used.",
      unit: "{token}",
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    });
    this.duration = meter.createHistogram("gen_ai.client.operation.duration", {
      description: "GenAI operation duration.",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.timeToFirstToken = meter.createHistogram("gen_ai.server.time_to_first_token", {
      description: "Time to generate first token for successful responses.",
      unit: "s",
      advice: { explicitBucketBoundaries: TTFT_BUCKETS },
    });
  }

  record(o: GenAiOutcome): void {
    const attributes = this.attributesOf(o);
    this.duration.record(o.durationS, attributes.base);
    if (o.timeToFirstTokenS !== undefined) this.timeToFirstToken.record(o.timeToFirstTokenS, attributes.base);
    if (o.inputTokens !== undefined) this.tokenUsage.record(o.inputTokens, attributes.input);
    if (o.outputTokens !== undefined) this.tokenUsage.record(o.outputTokens, attributes.output);
  }

  /** Sends what is recorded and not yet exported (on shutdown, and for tests). */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /** Exports what is left, then stops the export timer. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }

  /** Every input is bounded (configured providers, model labels, catalog codes), so the map is too. */
  private attributesOf(o: GenAiOutcome): AttributeSets {
    const key = `${o.operation}\u0000${o.provider}\u0000${o.requestModel}\u0000${o.responseModel}\u0000${o.errorType ?? ""}`;
    let sets = this.attributeSets.get(key);
    if (!sets) {
      const kind = this.providerKinds.get(o.provider);
      const base: Attributes = {
        "gen_ai.operation.name": OPERATION_NAMES[o.operation],
        // A kind the conventions do not list (the mock) keeps its own name, under `sluice.`.
        "gen_ai.provider.name": kind === undefined ? "sluice" : (PROVIDER_NAMES[kind] ?? `sluice.${kind}`),
      };
      if (o.requestModel) base["gen_ai.request.model"] = o.requestModel;
      if (o.responseModel) base["gen_ai.response.model"] = o.responseModel;
      if (o.errorType) base["error.type"] = o.errorType;
      sets = { base, input: { ...base, "gen_ai.token.type": "input" }, output: { ...base, "gen_ai.token.type": "output" } };
      this.attributeSets.set(key, sets);
    }
    return sets;
  }
}

/**
 * Starts the OTLP metrics pipeline. The SDK and the exporter are imported here, only when
 * export is configured: a gateway without it loads none of them.
 */
export async function startGenAiMetrics(settings: OtelMetricsSettings, providerKinds: ReadonlyMap<string, string>): Promise<GenAiMetrics> {
  const [sdk, resources, exporterModule] = await Promise.all([
    import("@opentelemetry/sdk-metrics"),
    import("@opentelemetry/resources"),
    settings.protocol === "http/json" ? import("@opentelemetry/exporter-metrics-otlp-http") : import("@opentelemetry/exporter-metrics-otlp-proto"),
  ]);
  const exporter = new exporterModule.OTLPMetricExporter({ url: settings.url, headers: settings.headers, timeoutMillis: settings.exportTimeoutMs });
  const reader = new sdk.PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: settings.exportIntervalMs,
    exportTimeoutMillis: settings.exportTimeoutMs,
  });
  const provider = new sdk.MeterProvider({
    resource: resources.resourceFromAttributes({ "service.name": settings.serviceName }),
    readers: [reader],
  });
  return new GenAiMetrics(provider, providerKinds);
}
