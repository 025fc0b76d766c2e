// OTLP trace export bodies (opentelemetry/proto/collector/trace/v1 ExportTraceServiceRequest),
// built span by span as spans end: protobuf for http/protobuf and grpc, JSON for http/json.
import { ProtoWriter, putVarint, varintSize } from "./proto-writer.js";
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
  /** A body `take` gave out is no longer used by anyone (it was sent): its memory may be reused. */
  recycle(body: Uint8Array): void;
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

/**
 * Spans are written into a buffer that keeps room in front for the message headers around them
 * (ResourceSpans, its resource, ScopeSpans, its scope), filled in by `take`: a body is handed out
 * without being copied, and its buffer comes back through `recycle` once sent. Fresh memory is
 * what costs here: copying a 200 KB batch into a new buffer took 0.7-3.5 ms on this machine
 * (page faults), against ~30 µs into memory already touched.
 */
export class ProtobufSpanEncoder implements SpanEncoder {
  private readonly spans: ProtoWriter;
  /** `resource` and `scope` of the ResourceSpans and ScopeSpans around the spans, encoded once. */
  private readonly resource: Buffer;
  private readonly scope: Buffer;
  private readonly schemaUrl: string | undefined;
  /** Bytes kept in front of the spans for the headers (lengths up to five varint bytes each). */
  private readonly headerRoom: number;
  /** Buffers of sent bodies, for the next batches (two: one being filled while one is sent). */
  private readonly spare: Buffer[] = [];

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
    this.headerRoom = 2 * 6 + this.resource.length + this.scope.length;
    this.spans = new ProtoWriter();
    this.spans.pos = this.headerRoom;
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
    const w = this.spans;
    const spansLength = w.pos - this.headerRoom;
    if (this.schemaUrl) w.string(F.resourceSpans.schemaUrl, this.schemaUrl); // after scope_spans, as the SDK writes it
    const schemaLength = w.pos - this.headerRoom - spansLength;
    const scopeSpansLength = this.scope.length + spansLength;
    const resourceSpansLength = this.resource.length + 1 + varintSize(scopeSpansLength) + scopeSpansLength + schemaLength;
    // Headers, written backwards so that they end where the spans begin.
    const buf = w.buf;
    let at = this.headerRoom;
    at -= this.scope.length;
    this.scope.copy(buf, at);
    at = varintBefore(buf, at, scopeSpansLength);
    buf[--at] = (F.resourceSpans.scopeSpans << 3) | 2;
    at -= this.resource.length;
    this.resource.copy(buf, at);
    at = varintBefore(buf, at, resourceSpansLength);
    buf[--at] = (F.request.resourceSpans << 3) | 2;
    const body = buf.subarray(at, w.pos);
    w.buf = this.spare.pop() ?? Buffer.allocUnsafe(buf.length);
    w.pos = this.headerRoom;
    return body;
  }

  recycle(body: Uint8Array): void {
    // A body is a view of a whole writer buffer (64 KiB and up: never Buffer's shared pool).
    const whole = body.buffer as ArrayBuffer;
    if (this.spare.length < 2 && whole.byteLength >= this.spans.buf.length) this.spare.push(Buffer.from(whole));
  }
}

/** Writes `n` as a varint ending just before `end`; returns where it starts. */
function varintBefore(buf: Buffer, end: number, n: number): number {
  const start = end - varintSize(n);
  putVarint(buf, start, n);
  return start;
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
  const encoded = encodedKey(key);
  if (shortKeyValue(w, field, encoded, value)) return;
  const kv = w.open(field);
  w.raw(encoded);
  const any = w.open(F.keyValue.value);
  anyValue(w, value);
  w.close(any);
  w.close(kv);
}

/**
 * Most attributes (an ASCII string, a small count, a double, a flag, under a known key) fit with
 * every length below 128: written here in one pass with lengths computed up front, at about a
 * third of the general path's cost, which was most of a traced request's (bench/RESULTS.md,
 * "Tracing overhead"). False, with nothing written, when the attribute does not fit.
 */
function shortKeyValue(w: ProtoWriter, field: number, key: Buffer, value: AttributeValue): boolean {
  let anyLength: number;
  if (typeof value === "string") {
    if (value.length > 100) return false;
    anyLength = 2 + value.length;
  } else if (typeof value === "number") {
    if (value >= 0 && value < 268435456 && Number.isInteger(value)) anyLength = 1 + varintSize(value);
    else if (!Number.isSafeInteger(value)) anyLength = 9;
    else return false;
  } else if (typeof value === "boolean") anyLength = 2;
  else return false;
  const kvLength = key.length + 2 + anyLength;
  if (kvLength > 127 || field > 15) return false;
  w.ensure(kvLength + 2);
  const buf = w.buf;
  let pos = w.pos;
  buf[pos++] = (field << 3) | 2;
  buf[pos++] = kvLength;
  for (let i = 0; i < key.length; i++) buf[pos++] = key[i]!;
  buf[pos++] = (F.keyValue.value << 3) | 2;
  buf[pos++] = anyLength;
  if (typeof value === "string") {
    buf[pos++] = (F.anyValue.string << 3) | 2;
    buf[pos++] = value.length;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return false; // w.pos untouched: the general path writes it as UTF-8
      buf[pos++] = c;
    }
  } else if (typeof value === "number") {
    if (anyLength === 9) {
      buf[pos++] = (F.anyValue.double << 3) | 1;
      pos = buf.writeDoubleLE(value, pos);
    } else {
      buf[pos++] = F.anyValue.int << 3;
      pos = putVarint(buf, pos, value);
    }
  } else {
    buf[pos++] = F.anyValue.bool << 3;
    buf[pos++] = value ? 1 : 0;
  }
  w.pos = pos;
  return true;
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

  recycle(): void {
    // JSON bodies are strings turned into bytes once; nothing to keep.
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
