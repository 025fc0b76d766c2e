import http from "node:http";
import * as grpc from "@grpc/grpc-js";
// The official OTLP package's own protobuf reader (otlp-transformer ships serializers and
// this reader, no request decoder): the message layout below follows the OTLP protos
// (opentelemetry/proto/collector/trace/v1, trace/v1, common/v1), field numbers as the same
// package's ProtobufTraceSerializer writes them. (The generated protobufjs types that
// otlp-metrics-receiver.ts decodes with cover metrics only in the pinned 0.217.)
import { ProtobufReader } from "@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-reader.js";
import { listenLoopback } from "./fake-upstream.js";

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  status: { code: number; message: string };
  resource: Record<string, unknown>;
}

/**
 * A real OTLP/HTTP trace receiver on a loopback port: `POST /v1/traces` in protobuf
 * (`application/x-protobuf`) or JSON (`application/json`), both decoded into the same span shape.
 * It answers what a collector answers (an empty ExportTraceServiceResponse).
 */
export interface OtlpReceiver {
  /** Base URL (OTEL_EXPORTER_OTLP_ENDPOINT): exporters append /v1/traces. */
  url: string;
  /** The same receiver over OTLP/gRPC (`TraceService/Export`), for `protocol: grpc`. */
  grpcUrl: string;
  spans: ReceivedSpan[];
  /** Content types of the export requests received, in order. */
  contentTypes: string[];
  /** Raw bodies, for "no prompt text anywhere" checks. */
  rawBodies: Buffer[];
  /** Export request headers, in order. */
  headers: http.IncomingHttpHeaders[];
  /** Resolves with the spans of `traceId` once `count` of them arrived (rejects after `ms`). */
  waitForTrace(traceId: string, count: number, ms?: number): Promise<ReceivedSpan[]>;
  /** Resolves once a span matches (rejects after `ms`). */
  waitForSpan(match: (span: ReceivedSpan) => boolean, ms?: number): Promise<ReceivedSpan>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const waiters = new Set<() => void>();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const type = String(req.headers["content-type"] ?? "");
    if (req.method !== "POST" || req.url !== "/v1/traces") {
      res.writeHead(404).end();
      return;
    }
    try {
      const spans = type.includes("json") ? fromJson(JSON.parse(body.toString("utf8"))) : fromProtobuf(new Uint8Array(body));
      receiver.contentTypes.push(type);
      receiver.rawBodies.push(body);
      receiver.headers.push(req.headers);
      receiver.spans.push(...spans);
    } catch (err) {
      if (process.env.OTLP_RECEIVER_DEBUG) console.error("otlp receiver:", err);
      res.writeHead(400, { "content-type": "text/plain" }).end(String(err));
      return;
    }
    if (type.includes("json")) res.writeHead(200, { "content-type": "application/json" }).end("{}");
    else res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    for (const wake of [...waiters]) wake();
  });
  const { origin, close } = await listenLoopback(server);

  // OTLP/gRPC: the request message is the same ExportTraceServiceRequest protobuf.
  const grpcServer = new grpc.Server();
  const raw = (b: Buffer) => b;
  grpcServer.addService(
    { Export: { path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export", requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        try {
          const spans = fromProtobuf(new Uint8Array(call.request));
          receiver.contentTypes.push("application/grpc");
          receiver.rawBodies.push(call.request);
          receiver.headers.push(call.metadata.getMap() as http.IncomingHttpHeaders);
          receiver.spans.push(...spans);
        } catch (err) {
          done({ code: grpc.status.INVALID_ARGUMENT, details: String(err) });
          return;
        }
        done(null, Buffer.alloc(0));
        for (const wake of [...waiters]) wake();
      },
    },
  );
  const grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));

  function waitFor<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const found = check();
        if (found === undefined) return false;
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(found);
        return true;
      };
      const wake = () => void attempt();
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`OTLP receiver: timed out waiting for ${what} (have ${receiver.spans.length} spans: ${receiver.spans.map((s) => s.name).join(", ")})`));
      }, ms);
      if (!attempt()) waiters.add(wake);
    });
  }

  const receiver: OtlpReceiver = {
    url: origin,
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    spans: [],
    contentTypes: [],
    rawBodies: [],
    headers: [],
    waitForTrace: (traceId, count, ms = 5000) =>
      waitFor(() => {
        const spans = receiver.spans.filter((s) => s.traceId === traceId);
        return spans.length >= count ? spans : undefined;
      }, ms, `${count} spans of trace ${traceId}`),
    waitForSpan: (match, ms = 5000) => waitFor(() => receiver.spans.find(match), ms, "a matching span"),
    close: async () => {
      grpcServer.forceShutdown();
      await close();
    },
  };
  return receiver;
}

// --- OTLP/JSON -------------------------------------------------------------------------------

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
}
type JsonKeyValue = { key: string; value: JsonAnyValue };

function fromJson(request: any): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId ?? "",
          spanId: s.spanId ?? "",
          parentSpanId: s.parentSpanId ?? "",
          traceState: s.traceState ?? "",
          name: s.name,
          kind: s.kind ?? 0,
          attributes: jsonAttributes(s.attributes),
          events: (s.events ?? []).map((e: any) => ({ name: e.name, attributes: jsonAttributes(e.attributes) })),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
          resource,
        });
      }
    }
  }
  return out;
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

function jsonValue(v: JsonAnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(jsonValue);
  return undefined;
}

// --- OTLP/protobuf ---------------------------------------------------------------------------

const LEN = 2;

/** Calls `each(field, wireType)` for every field of a message; the callback reads or skips it. */
function fields(bytes: Uint8Array, each: (r: ProtobufReader, field: number, wireType: number) => boolean): void {
  const r = new ProtobufReader(bytes);
  while (!r.isAtEnd()) {
    const { fieldNumber, wireType } = r.readTag();
    if (!each(r, fieldNumber, wireType)) r.skip(wireType);
  }
}

function fromProtobuf(body: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }
  fields(body, (r, f, w) => {
    if (f !== 1 || w !== LEN) return false;
    const resourceSpans = r.readBytes();
    let resource: Record<string, unknown> = {};
    const scopeSpans: Uint8Array[] = [];
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2 }
    fields(resourceSpans, (r2, f2, w2) => {
      if (w2 !== LEN) return false;
      if (f2 === 1) resource = attributesOf(r2.readBytes(), 1); // Resource { repeated KeyValue attributes = 1 }
      else if (f2 === 2) scopeSpans.push(r2.readBytes());
      else return false;
      return true;
    });
    for (const ss of scopeSpans) {
      // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2 }
      fields(ss, (r3, f3, w3) => {
        if (f3 !== 2 || w3 !== LEN) return false;
        out.push(span(r3.readBytes(), resource));
        return true;
      });
    }
    return true;
  });
  return out;
}

function span(bytes: Uint8Array, resource: Record<string, unknown>): ReceivedSpan {
  const s: ReceivedSpan = { traceId: "", spanId: "", parentSpanId: "", traceState: "", name: "", kind: 0, attributes: {}, events: [], status: { code: 0, message: "" }, resource };
  fields(bytes, (r, f, w) => {
    if (f === 1 && w === LEN) s.traceId = hex(r.readBytes());
    else if (f === 2 && w === LEN) s.spanId = hex(r.readBytes());
    else if (f === 3 && w === LEN) s.traceState = r.readString();
    else if (f === 4 && w === LEN) s.parentSpanId = hex(r.readBytes());
    else if (f === 5 && w === LEN) s.name = r.readString();
    else if (f === 6 && w === 0) s.kind = r.readVarint();
    else if (f === 9 && w === LEN) Object.assign(s.attributes, keyValue(r.readBytes()));
    else if (f === 11 && w === LEN) s.events.push(event(r.readBytes()));
    else if (f === 15 && w === LEN) s.status = status(r.readBytes());
    else return false;
    return true;
  });
  return s;
}

/** Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3 } */
function event(bytes: Uint8Array): { name: string; attributes: Record<string, unknown> } {
  const e = { name: "", attributes: {} as Record<string, unknown> };
  fields(bytes, (r, f, w) => {
    if (f === 2 && w === LEN) e.name = r.readString();
    else if (f === 3 && w === LEN) Object.assign(e.attributes, keyValue(r.readBytes()));
    else return false;
    return true;
  });
  return e;
}

/** Status { string message = 2; StatusCode code = 3 } */
function status(bytes: Uint8Array): { code: number; message: string } {
  const st = { code: 0, message: "" };
  fields(bytes, (r, f, w) => {
    if (f === 2 && w === LEN) st.message = r.readString();
    else if (f === 3 && w === 0) st.code = r.readVarint();
    else return false;
    return true;
  });
  return st;
}

/** The repeated KeyValue field `field` of a message, as an object. */
function attributesOf(bytes: Uint8Array, field: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields(bytes, (r, f, w) => {
    if (f !== field || w !== LEN) return false;
    Object.assign(out, keyValue(r.readBytes()));
    return true;
  });
  return out;
}

/** KeyValue { string key = 1; AnyValue value = 2 } */
function keyValue(bytes: Uint8Array): Record<string, unknown> {
  let key = "";
  let value: unknown;
  fields(bytes, (r, f, w) => {
    if (f === 1 && w === LEN) key = r.readString();
    else if (f === 2 && w === LEN) value = anyValue(r.readBytes());
    else return false;
    return true;
  });
  return { [key]: value };
}

/** AnyValue { string_value = 1; bool_value = 2; int_value = 3; double_value = 4 (fixed64); array_value = 5 } */
function anyValue(bytes: Uint8Array): unknown {
  let value: unknown;
  fields(bytes, (r, f, w) => {
    if (f === 1 && w === LEN) value = r.readString();
    else if (f === 2 && w === 0) value = r.readVarint() !== 0;
    else if (f === 3 && w === 0) value = r.readVarint();
    else if (f === 4 && w === 1) {
      value = new DataView(bytes.buffer, bytes.byteOffset + r.pos, 8).getFloat64(0, true);
      r.pos += 8;
    } else if (f === 5 && w === LEN) {
      const items: unknown[] = [];
      fields(r.readBytes(), (r2, f2, w2) => {
        if (f2 !== 1 || w2 !== LEN) return false;
        items.push(anyValue(r2.readBytes()));
        return true;
      });
      value = items;
    } else return false;
    return true;
  });
  return value;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
