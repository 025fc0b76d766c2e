import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OtelMetricsConfigSchema } from "../../../src/gen/sluice/v1/config_pb.js";
import { otelMetricsSettings } from "../../../src/telemetry/otel-metrics-settings.js";
import { parseConfig } from "../../../src/app/load-config.js";

const section = (init: Parameters<typeof create<typeof OtelMetricsConfigSchema>>[1]) => create(OtelMetricsConfigSchema, init);

describe("otelMetricsSettings: the section and the standard OTEL_* variables", () => {
  it("is off with nothing configured", () => {
    expect(otelMetricsSettings(undefined, {})).toEqual({ problems: [] });
    expect(otelMetricsSettings(section({ exportIntervalMs: 1000 }), {})).toEqual({ problems: [] });
  });

  it("reads the environment: base endpoint + v1/metrics, protocol, headers, interval, timeout, service name", () => {
    const { settings, problems } = otelMetricsSettings(undefined, {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: "api-key=a%20b,x=1",
      OTEL_METRIC_EXPORT_INTERVAL: "15000",
      OTEL_METRIC_EXPORT_TIMEOUT: "5000",
      OTEL_SERVICE_NAME: "gw",
    });
    expect(problems).toEqual([]);
    expect(settings).toEqual({ url: "http://collector:4318/v1/metrics", protocol: "http/json", headers: { "api-key": "a b", x: "1" }, exportIntervalMs: 15000, exportTimeoutMs: 5000, serviceName: "gw" });
  });

  it("uses a signal-specific endpoint as is, and its protocol and headers over the generic ones", () => {
    const { settings } = otelMetricsSettings(undefined, {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://generic:4318/",
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "https://metrics.example/custom/path",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_HEADERS: "a=generic,b=generic",
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: "a=metrics",
    });
    expect(settings).toMatchObject({ url: "https://metrics.example/custom/path", protocol: "http/protobuf", headers: { a: "metrics", b: "generic" }, exportIntervalMs: 60000, exportTimeoutMs: 30000, serviceName: "sluice" });
  });

  it("lets the section win field by field, and merges headers", () => {
    const { settings } = otelMetricsSettings(section({ endpoint: "http://from-config:4318/base", headers: { b: "config" }, exportIntervalMs: 1000, serviceName: "cfg" }), {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://env/v1/metrics",
      OTEL_EXPORTER_OTLP_HEADERS: "a=env,b=env",
      OTEL_METRIC_EXPORT_INTERVAL: "99999",
    });
    // The timeout (30 s by default) is cut to the interval: the SDK refuses a longer one.
    expect(settings).toEqual({ url: "http://from-config:4318/base/v1/metrics", protocol: "http/protobuf", headers: { a: "env", b: "config" }, exportIntervalMs: 1000, exportTimeoutMs: 1000, serviceName: "cfg" });
  });

  it("turns off with enabled: false or OTEL_METRICS_EXPORTER=none (unless enabled: true)", () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" };
    expect(otelMetricsSettings(section({ enabled: false }), env).settings).toBeUndefined();
    expect(otelMetricsSettings(undefined, { ...env, OTEL_METRICS_EXPORTER: "none" }).settings).toBeUndefined();
    expect(otelMetricsSettings(section({ enabled: true }), { ...env, OTEL_METRICS_EXPORTER: "none" }).settings?.url).toBe("http://c:4318/v1/metrics");
  });

  it("names the field or variable at fault", () => {
    expect(otelMetricsSettings(section({ endpoint: "collector:4318" }), {}).problems).toEqual(['telemetry.otel_metrics.endpoint: expected an http(s) URL, got "collector:4318"']);
    expect(otelMetricsSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }).problems).toEqual([
      'OTEL_EXPORTER_OTLP_PROTOCOL: expected http/protobuf or http/json, got "grpc" (OTLP over gRPC is not supported for metrics)',
    ]);
    expect(otelMetricsSettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_METRIC_EXPORT_INTERVAL: "soon", OTEL_EXPORTER_OTLP_HEADERS: "novalue" }).problems).toEqual([
      'OTEL_EXPORTER_OTLP_HEADERS: expected comma-separated name=value pairs, got "novalue"',
      'OTEL_METRIC_EXPORT_INTERVAL: expected a positive whole number of milliseconds, got "soon"',
    ]);
    expect(otelMetricsSettings(section({ enabled: true }), {}).problems).toEqual([
      "telemetry.otel_metrics: enabled needs an endpoint (endpoint, metrics_endpoint, OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)",
    ]);
  });

  it("a bad section is a config error naming the field; an unknown field is refused", () => {
    expect(() => parseConfig("telemetry: { otel_metrics: { protocol: grpc, endpoint: 'http://c:4318' } }", "t")).toThrow(/telemetry\.otel_metrics\.protocol: expected http\/protobuf or http\/json, got "grpc"/);
    expect(() => parseConfig("telemetry: { otel_metrics: { url: 'http://c' } }", "t")).toThrow(/telemetry\.otel_metrics\.url: unknown field/);
  });
});
