import { describe, expect, it } from "vitest";
import { RecordedSpan, SpanKindCode } from "../../../src/telemetry/tracing/recorded-span.js";
import { SpanBatches, type BatchSender, type SpanBatch } from "../../../src/telemetry/tracing/span-batches.js";
import { JsonSpanEncoder } from "../../../src/telemetry/tracing/span-encoding.js";

/** A sender that records what it was given and answers when told to (the OTLP transport's place). */
function recordingSender() {
  const sent: { names: string[]; done: (error?: Error) => void }[] = [];
  let shutdowns = 0;
  const sender: BatchSender = {
    send(batch: SpanBatch, done) {
      const doc = JSON.parse(Buffer.from(batch.body).toString("utf8"));
      const names = doc.resourceSpans[0].scopeSpans[0].spans.map((s: { name: string }) => s.name);
      expect(names).toHaveLength(batch.count);
      sent.push({ names, done });
    },
    shutdown: async () => void shutdowns++,
  };
  return { sender, sent, shutdowns: () => shutdowns };
}

const encoder = () => new JsonSpanEncoder({ resource: { "service.name": "t" }, resourceSchemaUrl: undefined, scopeName: "sluice" });
function span(name: string): RecordedSpan {
  const s = new RecordedSpan("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "", "", name, SpanKindCode.SERVER, false);
  s.endMs = s.startMs + 1;
  return s;
}

describe("SpanBatches (the batch span processor)", () => {
  it("sends a batch when it is full, one export at a time, in order", () => {
    const { sender, sent } = recordingSender();
    const batches = new SpanBatches(encoder(), sender, { maxExportBatchSize: 3, scheduledDelayMillis: 60_000 }, () => {});
    for (let i = 0; i < 7; i++) batches.add(span(`s${i}`));
    // The second full batch waits for the first export to finish.
    expect(sent.map((b) => b.names)).toEqual([["s0", "s1", "s2"]]);
    sent[0]!.done();
    expect(sent.map((b) => b.names)).toEqual([["s0", "s1", "s2"], ["s3", "s4", "s5"]]);
    sent[1]!.done();
    expect(sent).toHaveLength(2); // s6 waits for its delay or a flush
  });

  it("sends a partial batch after the scheduled delay", async () => {
    const { sender, sent } = recordingSender();
    const batches = new SpanBatches(encoder(), sender, { scheduledDelayMillis: 20 }, () => {});
    batches.add(span("a"));
    batches.add(span("b"));
    expect(sent).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(sent.map((b) => b.names)).toEqual([["a", "b"]]);
  });

  it("drops spans beyond the queue size, reports it once, and takes spans again once the exporter caught up", () => {
    const { sender, sent } = recordingSender();
    const problems: string[] = [];
    const batches = new SpanBatches(encoder(), sender, { maxQueueSize: 4, maxExportBatchSize: 2, scheduledDelayMillis: 60_000 }, (m) => problems.push(m));
    for (let i = 0; i < 10; i++) batches.add(span(`s${i}`));
    expect(batches.dropped).toBe(6);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/queue full \(4\)/);
    sent[0]!.done();
    sent[1]!.done();
    batches.add(span("later"));
    batches.add(span("later2"));
    expect(sent.map((b) => b.names)).toEqual([["s0", "s1"], ["s2", "s3"], ["later", "later2"]]);
  });

  it("reports a failed or timed-out export and goes on with the next batch", async () => {
    const { sender, sent } = recordingSender();
    const problems: string[] = [];
    const batches = new SpanBatches(encoder(), sender, { maxExportBatchSize: 1, exportTimeoutMillis: 30 }, (m) => problems.push(m));
    batches.add(span("a"));
    batches.add(span("b"));
    batches.add(span("c"));
    sent[0]!.done(new Error("collector said 503"));
    expect(problems[0]).toBe("export of 1 spans failed: collector said 503");
    await new Promise((r) => setTimeout(r, 80)); // "b" never answers: timed out, then "c" goes
    expect(problems[1]).toMatch(/export of 1 spans failed: timed out after 30 ms/);
    expect(sent.map((b) => b.names)).toEqual([["a"], ["b"], ["c"]]);
    sent[1]!.done(); // a late answer after the timeout changes nothing
    expect(sent).toHaveLength(3);
  });

  it("flushes what is pending on shutdown, then stops the sender and takes no more spans", async () => {
    const { sender, sent, shutdowns } = recordingSender();
    const batches = new SpanBatches(encoder(), sender, { scheduledDelayMillis: 60_000 }, () => {});
    batches.add(span("a"));
    const stopping = batches.shutdown();
    expect(sent.map((b) => b.names)).toEqual([["a"]]);
    sent[0]!.done();
    await stopping;
    expect(shutdowns()).toBe(1);
    batches.add(span("after"));
    await batches.forceFlush();
    expect(sent).toHaveLength(1);
  });
});
