import { describe, expect, it } from "vitest";
import { TraceState } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { ProtoWriter } from "../../../src/telemetry/tracing/proto-writer.js";
import { RecordedSpan, SpanKindCode, epochParts, type AttributeValue } from "../../../src/telemetry/tracing/recorded-span.js";
import { JsonSpanEncoder, ProtobufSpanEncoder, type SpanOrigin } from "../../../src/telemetry/tracing/span-encoding.js";
import { seededRandom } from "../../support/seeded-random.js";

/**
 * Sluice encodes its spans itself (bench/RESULTS.md, "Tracing overhead"); these tests hold the
 * encoding to the official one: the same spans through @opentelemetry/otlp-transformer's
 * serializers (the SDK exporters' own) must give the same protobuf bytes and the same JSON.
 */
const origin: SpanOrigin = { resource: { "service.name": "sluice-test", "telemetry.sdk.language": "nodejs", "host.cores": 2 }, resourceSchemaUrl: undefined, scopeName: "sluice" };

function hrTime(ms: number): [number, number] {
  const { secs, nanos } = epochParts(ms);
  return [secs, nanos];
}

function record(flat: readonly (string | AttributeValue)[]): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i] as string] = flat[i + 1]!;
  return out;
}

/** One resource and one scope for every span: the official serializers group spans by these objects. */
const resource = resourceFromAttributes(origin.resource as Record<string, AttributeValue>);
const instrumentationScope = { name: origin.scopeName };

/** The same span as the SDK's ReadableSpan, for the official serializers. */
function asReadableSpan(s: RecordedSpan): any {
  const traceState = s.traceState ? new TraceState(s.traceState) : undefined;
  return {
    name: s.name,
    kind: s.kind - 1, // the API's SpanKind has no "unspecified"
    spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: 1, ...(traceState ? { traceState } : {}) }),
    parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1, isRemote: s.parentIsRemote } : undefined,
    startTime: hrTime(s.startMs),
    endTime: hrTime(s.endMs),
    duration: [0, 0],
    ended: true,
    attributes: record(s.attributes),
    droppedAttributesCount: 0,
    events: (s.events ?? []).map((e) => ({ name: e.name, time: hrTime(e.timeMs), attributes: record(e.attributes), droppedAttributesCount: 0 })),
    droppedEventsCount: 0,
    status: { code: s.statusCode, ...(s.statusMessage ? { message: s.statusMessage } : {}) },
    links: [],
    droppedLinksCount: 0,
    resource,
    instrumentationScope,
  };
}

const TEXTS = ["", "chat bench-1", "POST /v1/chat/completions", "naïve café 日本語 🚀", "x".repeat(300), "quote \" backslash \\ newline \n"];

/** Seeded spans covering every value type, events, statuses, remote and local parents, tracestate and long fields. */
function spans(n: number, seed: number): RecordedSpan[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const hex = (bytes: number) => Array.from({ length: bytes }, () => Math.floor(random() * 256).toString(16).padStart(2, "0")).join("");
  const value = (): AttributeValue => pick([() => pick(TEXTS), () => Math.floor(random() * 1e6), () => -Math.floor(random() * 1e12), () => random() * 100, () => random() < 0.5, () => [pick(TEXTS), pick(TEXTS)], () => 2 ** 40 + 7])();
  const out: RecordedSpan[] = [];
  for (let i = 0; i < n; i++) {
    const root = random() < 0.3;
    const startMs = 1_765_000_000_000 + random() * 1e9;
    const s = new RecordedSpan(hex(16), hex(8), root ? "" : hex(8), random() < 0.3 ? "vendor=abc,other=x" : "", pick(TEXTS.slice(1)), pick([SpanKindCode.SERVER, SpanKindCode.CLIENT]), !root && random() < 0.5, startMs);
    const count = Math.floor(random() * 40);
    for (let a = 0; a < count; a++) s.set(`key.${Math.floor(random() * 30)}.${pick(["a", "é", "long".repeat(40)])}`, value());
    if (random() < 0.5) s.event(pick(TEXTS.slice(1)), { "sluice.phase.duration_ms": random(), "sluice.cache.status": "miss", "n": 3 });
    if (random() < 0.3) s.error(pick(TEXTS));
    s.endMs = startMs + random() * 5000;
    out.push(s);
  }
  return out;
}

describe("OTLP span encoding", () => {
  it("gives the official protobuf serializer's bytes, span for span and batch for batch", () => {
    const batch = spans(200, 20261206);
    const ours = new ProtobufSpanEncoder(origin);
    for (const s of batch) {
      ours.add(s);
      expect(Buffer.from(ours.take())).toEqual(Buffer.from(ProtobufTraceSerializer.serializeRequest([asReadableSpan(s)])!));
    }
    for (const s of batch) ours.add(s);
    expect(Buffer.from(ours.take())).toEqual(Buffer.from(ProtobufTraceSerializer.serializeRequest(batch.map(asReadableSpan))!));
  });

  it("gives the official JSON serializer's document", () => {
    const batch = spans(100, 7);
    const ours = new JsonSpanEncoder(origin);
    for (const s of batch) ours.add(s);
    const theirs = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(batch.map(asReadableSpan))!).toString("utf8"));
    expect(JSON.parse(Buffer.from(ours.take()).toString("utf8"))).toEqual(theirs);
  });

  it("writes epoch nanoseconds exactly, which a double cannot hold", () => {
    const random = seededRandom(42);
    for (let i = 0; i < 1000; i++) {
      const ms = 1_700_000_000_000 + random() * 1e11;
      const w = new ProtoWriter(16);
      w.timeNanos(1, ms);
      const { secs, nanos } = epochParts(ms);
      expect(w.buf.readBigUInt64LE(1)).toBe(BigInt(secs) * 1_000_000_000n + BigInt(nanos));
      expect(nanos).toBeGreaterThanOrEqual(0);
      expect(nanos).toBeLessThan(1e9);
    }
  });

  it("widens a length it reserved one byte for, and grows its buffer", () => {
    const w = new ProtoWriter(4);
    const outer = w.open(1);
    w.string(2, "y".repeat(200));
    w.string(3, "é".repeat(100));
    w.close(outer);
    const bytes = w.take();
    // tag, two-byte length, then the inner fields intact
    expect(bytes[0]).toBe(0x0a);
    const length = (bytes[1]! & 0x7f) + bytes[2]! * 128;
    expect(length).toBe(bytes.length - 3);
    expect(bytes.subarray(3 + 3, 3 + 3 + 200).toString()).toBe("y".repeat(200));
    expect(bytes.subarray(bytes.length - 200).toString()).toBe("é".repeat(100));
  });
});
