import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/app/load-config.js";
import { parseConfigText } from "../../../src/config/load.js";
import { tracingConfigProblems } from "../../../src/telemetry/tracing/index.js";
import { tracingSettings } from "../../../src/telemetry/tracing/settings.js";

/** `telemetry.tracing` and the OTEL_* variables: when tracing is on, what wins, and the config check. */
const settingsOf = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
  const config = parseConfig(yaml, "test config", env);
  return tracingSettings(config.telemetry?.tracing, config.providers, env);
};

const PROVIDERS = `
providers:
  - { id: vllm, kind: openai, base_url: "http://10.0.0.5:8000/v1" }
  - { id: openai, kind: openai }
  - { id: openai-explicit, kind: openai, base_url: "https://api.openai.com/v1" }
  - { id: claude, kind: anthropic }
  - { id: vllm-off, kind: openai, base_url: "http://10.0.0.6:8000/v1", propagate_trace: false }
  - { id: claude-on, kind: anthropic, propagate_trace: true }
`;

describe("tracing settings", () => {
  it("is off when nothing is configured", () => {
    expect(settingsOf("")).toBeUndefined();
    expect(settingsOf("telemetry: { tracing: { capture_content: true } }")).toBeUndefined();
  });

  it("is on with an endpoint from the environment, and the exporter is left to read the variables", () => {
    const s = settingsOf("", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SERVICE_NAME: "edge-gw" });
    expect(s).toMatchObject({ protocol: "http/protobuf", url: undefined, serviceName: "edge-gw", sampler: undefined, captureContent: false });
    expect(settingsOf("", { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })?.protocol).toBe("http/json");
  });

  it("takes the config's fields over the variables", () => {
    const s = settingsOf(
      `telemetry: { tracing: { endpoint: "http://c:4318/", protocol: http/json, service_name: gw, sampler: traceidratio, sampler_arg: 0.25, headers: { x-key: k }, batch: { schedule_delay_ms: 100 } } }`,
      { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", OTEL_SERVICE_NAME: "other" },
    );
    expect(s).toMatchObject({ protocol: "http/json", url: "http://c:4318/v1/traces", serviceName: "gw", sampler: "traceidratio", samplerArg: 0.25, headers: { "x-key": "k" }, batch: { scheduledDelayMillis: 100 } });
    expect(settingsOf(`telemetry: { tracing: { traces_endpoint: "http://c:4318/custom" } }`)?.url).toBe("http://c:4318/custom");
    expect(settingsOf(`telemetry: { tracing: { endpoint: "http://c:4317", protocol: grpc } }`)?.url).toBe("http://c:4317");
  });

  it("is off when disabled, whatever the environment says", () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(settingsOf("telemetry: { tracing: { enabled: false } }", env)).toBeUndefined();
    expect(settingsOf("", { ...env, OTEL_SDK_DISABLED: "true" })).toBeUndefined();
    expect(settingsOf("", { ...env, OTEL_TRACES_EXPORTER: "none" })).toBeUndefined();
    expect(settingsOf("telemetry: { tracing: { enabled: true } }")).toBeDefined();
  });

  it("propagates trace context to self-hosted OpenAI-compatible servers by default, and as propagate_trace says", () => {
    const s = settingsOf(`${PROVIDERS}\ntelemetry: { tracing: { enabled: true } }`)!;
    const propagate = Object.fromEntries([...s.providers].map(([id, p]) => [id, p.propagate]));
    expect(propagate).toEqual({ vllm: true, openai: false, "openai-explicit": false, claude: false, "vllm-off": false, "claude-on": true });
    expect(s.providers.get("vllm")).toMatchObject({ address: "10.0.0.5", port: 8000 });
  });

  it("names bad values in the config check", () => {
    const yaml = `telemetry: { tracing: { protocol: zipkin, sampler: sometimes, sampler_arg: 2, endpoint: "collector:4318" } }`;
    expect(() => parseConfig(yaml, "test config", {})).toThrow(/telemetry\.tracing\.protocol/);
    const config = parseConfigText(yaml, "test config", {});
    expect(tracingConfigProblems(config.telemetry?.tracing)).toEqual([
      `telemetry.tracing.protocol: expected one of http/protobuf, http/json, grpc, got "zipkin"`,
      `telemetry.tracing.sampler: expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio, got "sometimes"`,
      "telemetry.tracing.sampler_arg: expected a ratio from 0 to 1, got 2",
      `telemetry.tracing.endpoint: expected an http(s) URL, got "collector:4318"`,
    ]);
  });
});
