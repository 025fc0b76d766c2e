import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { startOtlpMetricsReceiver, type OtlpMetricsReceiver, type ReceivedPoint } from "../support/otlp-metrics-receiver.js";
import { exposedSamples, parseExposition } from "../support/promql-names.js";

const GEN_AI = ["gen_ai.client.operation.duration", "gen_ai.client.token.usage", "gen_ai.server.time_to_first_token"];

function config(upstream: FakeOpenAI, otel: string): string {
  return `
providers:
  - { id: fake, kind: openai, base_url: "${upstream.url}" }
  - { id: dead, kind: openai, base_url: "http://127.0.0.1:1/v1" }
models:
  - { alias: echo, targets: [ { provider: fake, model: echo } ] }
  - { alias: dead, targets: [ { provider: dead, model: gone } ] }
  - { alias: emb, targets: [ { provider: fake, model: text-embedding-3-small } ] }
telemetry:
  otel_metrics: ${otel}
`;
}

/** Waits for an export whose points satisfy `done` (the SDK exports every export_interval_ms, cumulatively). */
async function exported(receiver: OtlpMetricsReceiver, done: (points: ReceivedPoint[]) => boolean): Promise<{ points: ReceivedPoint[]; contentType: string; headers: Record<string, unknown> }> {
  for (let i = 0; i < 100; i++) {
    const last = receiver.exports.at(-1);
    if (last && done(last.points)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no export with the expected points; last: ${JSON.stringify(receiver.exports.at(-1)?.points)}`);
}

const find = (points: ReceivedPoint[], metric: string, attributes: Record<string, unknown>) =>
  points.filter((p) => p.metric === metric && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));

describe("OTLP export of the GenAI client metrics (http/protobuf, a real receiver)", () => {
  let upstream: FakeOpenAI;
  let receiver: OtlpMetricsReceiver;
  let gateway: RunningGateway;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    receiver = await startOtlpMetricsReceiver();
    gateway = await startTestGateway(config(upstream, `{ endpoint: "${receiver.url}", export_interval_ms: 200, headers: { x-api-key: "otlp-secret" }, service_name: sluice-test }`));
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused-without-keys", maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await receiver?.close();
  });

  it("a whole answer, a stream and a failure through the openai SDK arrive as the three GenAI metrics, agreeing with /metrics", async () => {
    const whole = await client.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "hello there, how are you" }] });
    expect(whole.usage!.prompt_tokens).toBeGreaterThan(0);
    let streamed = "";
    let streamUsage: OpenAI.CompletionUsage | undefined;
    const stream = await client.chat.completions.create({ model: "echo", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "stream me" }] });
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta?.content ?? "";
      streamUsage = chunk.usage ?? streamUsage;
    }
    expect(streamed).toContain("stream me");
    await expect(client.chat.completions.create({ model: "dead", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 502 });

    const base = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "echo", "gen_ai.response.model": "echo" };
    const { points, contentType, headers } = await exported(receiver, (p) => find(p, "gen_ai.client.operation.duration", {}).reduce((n, d) => n + d.count, 0) === 3);
    expect(contentType).toBe("application/x-protobuf");
    expect(headers["x-api-key"]).toBe("otlp-secret");
    expect(points[0]!.resource["service.name"]).toBe("sluice-test");
    expect(points[0]!.resource["service.instance.id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(points.map((p) => p.metric))).toEqual(new Set(GEN_AI));

    const ok = find(points, "gen_ai.client.operation.duration", base);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.count).toBe(2);
    expect(ok[0]!.unit).toBe("s");
    expect(ok[0]!.attributes["error.type"]).toBeUndefined();
    // Cumulative, on the conventions' advised buckets, each value in its bucket.
    expect(ok[0]!.temporality).toBe(2);
    expect(ok[0]!.explicitBounds).toEqual([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
    expect(ok[0]!.bucketCounts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(ok[0]!.min! <= ok[0]!.max! && ok[0]!.min! > 0 && ok[0]!.max! <= ok[0]!.sum).toBe(true);
    const failed = find(points, "gen_ai.client.operation.duration", { "error.type": "upstream_unavailable" });
    expect(failed).toHaveLength(1);
    expect(failed[0]!.attributes).toEqual({ "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "dead", "error.type": "upstream_unavailable" });

    const input = find(points, "gen_ai.client.token.usage", { ...base, "gen_ai.token.type": "input" });
    const output = find(points, "gen_ai.client.token.usage", { ...base, "gen_ai.token.type": "output" });
    expect(input).toHaveLength(1);
    expect(output).toHaveLength(1);
    expect(input[0]!.unit).toBe("{token}");
    expect(input[0]!.count).toBe(2);
    // Token counts land in the bucket their value belongs to: (b[i-1], b[i]].
    const bucketOf = (v: number, bounds: number[]) => bounds.findIndex((b) => v <= b) === -1 ? bounds.length : bounds.findIndex((b) => v <= b);
    const expected = new Array(input[0]!.explicitBounds.length + 1).fill(0);
    for (const v of [whole.usage!.prompt_tokens, streamUsage!.prompt_tokens]) expected[bucketOf(v, input[0]!.explicitBounds)]++;
    expect(input[0]!.bucketCounts).toEqual(expected);
    expect(input[0]!.min).toBe(Math.min(whole.usage!.prompt_tokens, streamUsage!.prompt_tokens));

    const ttft = find(points, "gen_ai.server.time_to_first_token", base);
    expect(ttft).toHaveLength(1);
    expect(ttft[0]!.count).toBe(1); // only the stream
    expect(ttft[0]!.sum).toBeGreaterThan(0);

    // The same figures as the Prometheus series, recorded in the same place.
    const prom = parseExposition(await (await fetch(`${gateway.url}/metrics`)).text());
    const promSum = (name: string, labels: Record<string, string> = {}) =>
      exposedSamples(prom, name)!.values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((s, v) => s + v.value, 0);
    expect(input[0]!.sum).toBe(promSum("sluice_tokens_total", { direction: "input", model: "echo" }));
    expect(output[0]!.sum).toBe(promSum("sluice_tokens_total", { direction: "output", model: "echo" }));
    // ... and as the caller was told.
    expect(input[0]!.sum).toBe(whole.usage!.prompt_tokens + streamUsage!.prompt_tokens);
    expect(output[0]!.sum).toBe(whole.usage!.completion_tokens + streamUsage!.completion_tokens);
    expect(ok[0]!.sum + failed[0]!.sum).toBeCloseTo(promSum("sluice_request_duration_seconds_sum"), 9);
    expect(ttft[0]!.sum).toBeCloseTo(promSum("sluice_time_to_first_token_seconds_sum"), 9);
  });
});

describe("OTLP metrics over http/json", () => {
  it("sends the same metrics as OTLP/JSON when the protocol says so", async () => {
    const upstream = await startFakeOpenAI();
    const receiver = await startOtlpMetricsReceiver();
    const gateway = await startTestGateway(config(upstream, `{ metrics_endpoint: "${receiver.url}/v1/metrics", protocol: http/json, export_interval_ms: 200 }`));
    try {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused-without-keys", maxRetries: 0 });
      await client.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "json please" }] });
      const embedded = await client.embeddings.create({ model: "emb", input: ["one", "two"] });
      const { points, contentType } = await exported(receiver, (p) => find(p, "gen_ai.client.operation.duration", {}).length === 2);
      expect(contentType).toMatch(/^application\/json/);
      expect(points[0]!.resource["service.name"]).toBe("sluice");
      expect(find(points, "gen_ai.client.token.usage", { "gen_ai.token.type": "output", "gen_ai.request.model": "echo" })[0]!.sum).toBeGreaterThan(0);
      // Embeddings: their own operation name, input tokens only.
      const embeddings = { "gen_ai.operation.name": "embeddings", "gen_ai.request.model": "emb" };
      expect(find(points, "gen_ai.client.operation.duration", embeddings)).toHaveLength(1);
      expect(find(points, "gen_ai.client.token.usage", { ...embeddings, "gen_ai.token.type": "input" })[0]!.sum).toBe(embedded.usage.prompt_tokens);
      expect(find(points, "gen_ai.client.token.usage", { ...embeddings, "gen_ai.token.type": "output" })).toEqual([]);
    } finally {
      await gateway.close();
      await upstream.close();
      await receiver.close();
    }
  });

  it("a bad OTEL_* variable stops the start with an error naming it", async () => {
    const upstream = await startFakeOpenAI();
    process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT = "collector:4318";
    try {
      await expect(startTestGateway(config(upstream, "{}"))).rejects.toThrow(/OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: expected an http\(s\) URL, got "collector:4318"/);
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
      await upstream.close();
    }
  });

  it("is off without an endpoint: nothing records OTLP metrics", async () => {
    const upstream = await startFakeOpenAI();
    const gateway = await startTestGateway(config(upstream, "{ export_interval_ms: 200 }"));
    try {
      expect(gateway.gateway.metrics.genAi).toBeNull();
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
