// OTLP trace export bodies (opentelemetry/proto/collector/trace/v1 ExportTraceServiceRequest),
// built span by span as spans end: protobuf for http/protobuf and grpc, JSON for http/json.
import { ProtoWriter } from "./proto-writer.js";
import { epochParts, type AttributeValue, type RecordedSpan } from "./recorded-span.js";

/** Who exports: the resource's attributes and the instrumentation scope, written once into every body. */
export interface SpanOrigin {
  resource: Readonly<Record<string, AttributeValue | undefined>>;
  resourceSchemaUrl: string | undefined;
  scopeName: string;
}

/** Appends ended spans to the body of the next export. */
export interface SpanEncoder {
  add(span: RecordedSpan): void;
  /** The export body of the spans added since the last call (at least one). */
  take(): Uint8Array;
}

/** Field numbers of the OTLP messages written here. */
const F = {
  request: { resourceSpans: 1 },
  resourceSpans: { resource: 1, scopeSpans: 2, schemaUrl: 3 },
  resource: { attributes: 1, droppedAttributesCount: 2 },
  scopeSpans: { scope: 1, spans: 2 },
  scope: { name: 1 },
  span: { traceId: 1, spanId: 2, traceState: 3, parentSpanId: 4, name: 5, kind: 6, start: 7, end: 8, attributes: 9, droppedAttributesCount: 10, events: 11, droppedEventsCount: 12, droppedLinksCount: 14, status: 15, flags: 16 },
  event: { time: 1, name: 2, attributes: 3, droppedAttributesCount: 4 },
  status: { message: 2, code: 3 },
  keyValue: { key: 1, value: 2 },
  anyValue: { string: 1, bool: 2, int: 3, double: 4, array: 5 },
  arrayValue: { values: 1 },
} as const;

export class ProtobufSpanEncoder implements SpanEncoder {
  private readonly spans = new ProtoWriter();
  /** `resource` and `scope` of the ResourceSpans and ScopeSpans around the spans, encoded once. */
  private readonly resource: Buffer;
  private readonly scope: Buffer;
  private readonly schemaUrl: string | undefined;

  constructor(origin: SpanOrigin) {
    const w = new ProtoWriter(1024);
    const resource = w.open(F.resourceSpans.resource);
    for (const key in origin.resource) {
      const value = origin.resource[key];
      if (value !== undefined) keyValue(w, F.resource.attributes, key, value);
    }
    w.uint(F.resource.droppedAttributesCount, 0);
    w.close(resource);
    this.resource = w.take();
    const scope = w.open(F.scopeSpans.scope);
    w.string(F.scope.name, origin.scopeName);
    w.close(scope);
    this.scope = w.take();
    this.schemaUrl = origin.resourceSchemaUrl;
  }

  add(s: RecordedSpan): void {
    const w = this.spans;
    const span = w.open(F.scopeSpans.spans);
    w.hexBytes(F.span.traceId, s.traceId);
    w.hexBytes(F.span.spanId, s.spanId);
    if (s.traceState) w.string(F.span.traceState, s.traceState);
    if (s.parentSpanId) w.hexBytes(F.span.parentSpanId, s.parentSpanId);
    w.string(F.span.name, s.name);
    w.uint(F.span.kind, s.kind);
    w.timeNanos(F.span.start, s.startMs);
    w.timeNanos(F.span.end, s.endMs);
    keyValues(w, F.span.attributes, s.attributes);
    // Nothing is ever dropped; the zero counts are written as the SDK's serializer writes them,
    // so the two encodings stay byte for byte the same (test/unit/telemetry/tracing-encoding.test.ts).
    w.uint(F.span.droppedAttributesCount, 0);
    if (s.events) {
      for (const e of s.events) {
        const event = w.open(F.span.events);
        w.timeNanos(F.event.time, e.timeMs);
        w.string(F.event.name, e.name);
        keyValues(w, F.event.attributes, e.attributes);
        w.uint(F.event.droppedAttributesCount, 0);
        w.close(event);
      }
    }
    w.uint(F.span.droppedEventsCount, 0);
    w.uint(F.span.droppedLinksCount, 0);
    const status = w.open(F.span.status);
    if (s.statusMessage) w.string(F.status.message, s.statusMessage);
    w.uint(F.status.code, s.statusCode);
    w.close(status);
    w.fixed32(F.span.flags, s.flags);
    w.close(span);
  }

  take(): Uint8Array {
    const spans = this.spans.buf.subarray(0, this.spans.pos);
    const w = new ProtoWriter(spans.length + this.resource.length + this.scope.length + 64);
    const resourceSpans = w.open(F.request.resourceSpans);
    w.raw(this.resource);
    const scopeSpans = w.open(F.resourceSpans.scopeSpans);
    w.raw(this.scope);
    w.raw(spans);
    w.close(scopeSpans);
    if (this.schemaUrl) w.string(F.resourceSpans.schemaUrl, this.schemaUrl);
    w.close(resourceSpans);
    this.spans.pos = 0;
    return w.buf.subarray(0, w.pos);
  }
}

function keyValues(w: ProtoWriter, field: number, flat: readonly (string | AttributeValue)[]): void {
  for (let i = 0; i < flat.length; i += 2) keyValue(w, field, flat[i] as string, flat[i + 1]!);
}

/** `KeyValue.key` fields, encoded once per key (keys are a few dozen constants). */
const encodedKeys = new Map<string, Buffer>();

function encodedKey(key: string): Buffer {
  let bytes = encodedKeys.get(key);
  if (bytes === undefined) {
    const w = new ProtoWriter(key.length * 3 + 8);
    w.string(F.keyValue.key, key);
    bytes = w.take();
    // Bounded: a caller-controlled key (none today) must not grow it without end.
    if (encodedKeys.size < 1024) encodedKeys.set(key, bytes);
  }
  return bytes;
}

function keyValue(w: ProtoWriter, field: number, key: string, value: AttributeValue): void {
  const kv = w.open(field);
  w.raw(encodedKey(key));
  const any = w.open(F.keyValue.value);
  anyValue(w, value);
  w.close(any);
  w.close(kv);
}

function anyValue(w: ProtoWriter, value: AttributeValue): void {
  if (typeof value === "string") w.string(F.anyValue.string, value);
  else if (typeof value === "number") {
    // As the SDK does: integers as int_value, the rest as double_value.
    if (Number.isSafeInteger(value)) w.int64(F.anyValue.int, value);
    else w.double(F.anyValue.double, value);
  } else if (typeof value === "boolean") w.bool(F.anyValue.bool, value);
  else {
    const array = w.open(F.anyValue.array);
    for (const item of value) {
      const v = w.open(F.arrayValue.values);
      w.string(F.anyValue.string, item);
      w.close(v);
    }
    w.close(array);
  }
}

/** OTLP/JSON as the SDK's JSON serializer writes it: ids in hex, times as decimal strings, enums and integers as numbers. */
export class JsonSpanEncoder implements SpanEncoder {
  private spans: string[] = [];
  private readonly head: string;

  constructor(origin: SpanOrigin) {
    const attributes: object[] = [];
    for (const key in origin.resource) {
      const value = origin.resource[key];
      if (value !== undefined) attributes.push({ key, value: jsonValue(value) });
    }
    const schema = origin.resourceSchemaUrl ? `,"schemaUrl":${JSON.stringify(origin.resourceSchemaUrl)}` : "";
    this.head = `{"resourceSpans":[{"resource":${JSON.stringify({ attributes, droppedAttributesCount: 0 })}${schema},"scopeSpans":[{"scope":${JSON.stringify({ name: origin.scopeName })},"spans":[`;
  }

  add(s: RecordedSpan): void {
    this.spans.push(
      JSON.stringify({
        traceId: s.traceId,
        spanId: s.spanId,
        ...(s.traceState ? { traceState: s.traceState } : {}),
        ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
        name: s.name,
        kind: s.kind,
        startTimeUnixNano: nanosText(s.startMs),
        endTimeUnixNano: nanosText(s.endMs),
        attributes: jsonKeyValues(s.attributes),
        droppedAttributesCount: 0,
        events: (s.events ?? []).map((e) => ({ timeUnixNano: nanosText(e.timeMs), name: e.name, attributes: jsonKeyValues(e.attributes), droppedAttributesCount: 0 })),
        droppedEventsCount: 0,
        status: { code: s.statusCode, ...(s.statusMessage ? { message: s.statusMessage } : {}) },
        links: [],
        droppedLinksCount: 0,
        flags: s.flags,
      }),
    );
  }

  take(): Uint8Array {
    const body = `${this.head}${this.spans.join(",")}]}]}]}`;
    this.spans = [];
    return Buffer.from(body, "utf8");
  }
}

function jsonKeyValues(flat: readonly (string | AttributeValue)[]): object[] {
  const out: object[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ key: flat[i], value: jsonValue(flat[i + 1]!) });
  return out;
}

function jsonValue(value: AttributeValue): object {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "number") return Number.isSafeInteger(value) ? { intValue: value } : { doubleValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  return { arrayValue: { values: value.map((v) => ({ stringValue: v })) } };
}

/** Epoch nanoseconds as decimal text, exactly (a double cannot hold them). */
function nanosText(ms: number): string {
  const { secs, nanos } = epochParts(ms);
  return secs === 0 ? String(nanos) : `${secs}${String(nanos).padStart(9, "0")}`;
}
