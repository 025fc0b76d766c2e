import http from "node:http";
import { createRequire } from "node:module";
import { listenLoopback } from "./fake-upstream.js";

/**
 * A small OTLP/HTTP metrics receiver: `POST /v1/metrics` in protobuf (decoded with the
 * OpenTelemetry JS project's generated proto types, shipped in @opentelemetry/otlp-transformer up
 * to 0.217; later releases encode by hand and ship no decoder) or JSON. Every export is kept,
 * flattened to one entry per histogram data point.
 */
export interface ReceivedPoint {
  metric: string;
  unit: string;
  attributes: Record<string, string | number | boolean>;
  count: number;
  sum: number;
  min: number | undefined;
  max: number | undefined;
  explicitBounds: number[];
  bucketCounts: number[];
  /** 1 delta, 2 cumulative (OTLP's AggregationTemporality). */
  temporality: number;
  /** The export request's resource attributes. */
  resource: Record<string, string | number | boolean>;
}

export interface OtlpMetricsReceiver {
  url: string;
  /** Every export received, in order; each is the list of its histogram data points. */
  exports: Array<{ contentType: string; headers: http.IncomingHttpHeaders; points: ReceivedPoint[] }>;
  close(): Promise<void>;
}

interface ProtoType {
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: object): unknown;
}
const require = createRequire(import.meta.url);
const root = require("@opentelemetry/otlp-transformer/build/src/generated/root.js") as {
  opentelemetry: { proto: { collector: { metrics: { v1: { ExportMetricsServiceRequest: ProtoType } } } } };
};
const ExportMetricsServiceRequest = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

/** The request as protobufjs's toObject (longs as numbers, enums as numbers) and OTLP/JSON both give it. */
interface ExportRequest {
  resourceMetrics?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: Array<{
      metrics?: Array<{ name: string; unit?: string; histogram?: { aggregationTemporality?: number | string; dataPoints?: Array<{ attributes?: KeyValue[]; count: number | string; sum?: number; min?: number; max?: number; explicitBounds?: number[]; bucketCounts?: Array<number | string> }> } }>;
    }>;
  }>;
}
interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
}

export async function startOtlpMetricsReceiver(): Promise<OtlpMetricsReceiver> {
  const state: OtlpMetricsReceiver = { url: "", exports: [], close: async () => {} };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const contentType = req.headers["content-type"] ?? "";
    if (req.method !== "POST" || req.url !== "/v1/metrics") {
      res.writeHead(404).end();
      return;
    }
    let request: ExportRequest;
    if (contentType.startsWith("application/x-protobuf")) {
      request = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(body), { longs: Number, defaults: false }) as ExportRequest;
    } else if (contentType.startsWith("application/json")) {
      request = JSON.parse(body.toString("utf8")) as ExportRequest;
    } else {
      res.writeHead(415).end();
      return;
    }
    state.exports.push({ contentType, headers: req.headers, points: flatten(request) });
    // An empty ExportMetricsServiceResponse: full success.
    if (contentType.startsWith("application/json")) res.writeHead(200, { "content-type": "application/json" }).end("{}");
    else res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  });
  const listening = await listenLoopback(server);
  state.url = listening.origin;
  state.close = listening.close;
  return state;
}

function flatten(request: ExportRequest): ReceivedPoint[] {
  const points: ReceivedPoint[] = [];
  for (const rm of request.resourceMetrics ?? []) {
    const resource = attributesOf(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        for (const dp of m.histogram?.dataPoints ?? []) {
          points.push({
            metric: m.name,
            unit: m.unit ?? "",
            attributes: attributesOf(dp.attributes),
            count: Number(dp.count),
            sum: dp.sum ?? 0,
            min: dp.min,
            max: dp.max,
            explicitBounds: dp.explicitBounds ?? [],
            bucketCounts: (dp.bucketCounts ?? []).map(Number),
            temporality: Number(m.histogram?.aggregationTemporality ?? 0),
            resource,
          });
        }
      }
    }
  }
  return points;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? value.boolValue ?? value.doubleValue ?? Number(value.intValue);
  }
  return out;
}
