import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { errorCatalog } from "../../src/errors/catalog.js";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { startRedis, type TestRedis } from "../support/redis.js";
import { exposedSamples, parseExposition, promqlReferences, type ExposedFamily } from "../support/promql-names.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dashboard = JSON.parse(readFileSync(`${root}deploy/grafana/sluice-dashboard.json`, "utf8"));
const rules = parseYaml(readFileSync(`${root}deploy/prometheus/alerts.yaml`, "utf8"), { uniqueKeys: true });

const KEYS = { acme: "sk-sluice-dash-acme", tight: "sk-sluice-dash-tight" };
/** Labels Prometheus adds when it scrapes (target labels), and `le` of histogram buckets. */
const SCRAPE_LABELS = new Set(["instance", "job"]);

interface PanelTarget {
  expr: string;
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: PanelTarget[];
  gridPos?: object;
  panels?: Panel[];
}

function panelsOf(d: { panels: Panel[] }): Panel[] {
  return d.panels.flatMap((p) => (p.type === "row" ? (p.panels ?? []) : [p]));
}

/** Every PromQL expression of the dashboard (panel targets, variable queries) and of the rule file, with where it is. */
function expressions(): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  for (const p of panelsOf(dashboard)) for (const t of p.targets ?? []) out.push({ where: `panel "${p.title}"`, expr: t.expr });
  for (const v of dashboard.templating.list) {
    const query = typeof v.query === "string" ? v.query : v.query?.query;
    // label_values(metric, label): the metric is read, the label must be one of its labels.
    const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(query ?? "");
    if (v.type === "query") out.push({ where: `variable ${v.name}`, expr: m ? `${m[1]}{${m[2]}!=""}` : query });
  }
  for (const g of rules.groups) for (const r of g.rules) out.push({ where: `alert ${r.alert}`, expr: r.expr });
  return out;
}

async function chat(url: string, key: string, body: object): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

async function scrape(url: string): Promise<Map<string, ExposedFamily>> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

describe("deploy/: the Grafana dashboard and the Prometheus alert rules use only metrics /metrics exports", () => {
  let upstream: FakeOpenAI;
  let redis: TestRedis;
  let gateway: RunningGateway;
  let families: Map<string, ExposedFamily>;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    redis = await startRedis();
    gateway = await startTestGateway(`
redis: { url: "${redis.url}" }
providers:
  - { id: fake, kind: openai, base_url: "${upstream.url}" }
  - { id: dead, kind: openai, base_url: "http://127.0.0.1:1/v1" }
models:
  - { alias: echo, targets: [ { provider: fake, model: echo } ] }
  - { alias: dead, targets: [ { provider: dead, model: gone } ] }
  - { alias: fallback, strategy: ordered, targets: [ { provider: dead, model: gone }, { provider: fake, model: echo } ] }
pricing:
  echo: { input_per_mtok: 1000, output_per_mtok: 2000 }
cache: { exact: { enabled: true }, semantic: { enabled: false } }
tenants:
  - id: acme
    keys: [ { id: acme-1, hash: "${hashApiKey(KEYS.acme)}" } ]
    budget: { daily_usd: 50 }
  - id: tight
    keys: [ { id: tight-1, hash: "${hashApiKey(KEYS.tight)}", limits: { rpm: 1 } } ]
`);
    // Traffic that makes every series exist: successes (whole, streamed), a cache hit, an
    // upstream failure, a fallback, a refusal by a rate limit.
    const ask = { model: "echo", messages: [{ role: "user", content: "how many tokens is this?" }] };
    expect((await chat(gateway.url, KEYS.acme, ask)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100)); // the cache store is off the response path
    expect((await chat(gateway.url, KEYS.acme, ask)).status).toBe(200);
    const streamed = await chat(gateway.url, KEYS.acme, { ...ask, stream: true, messages: [{ role: "user", content: "stream this" }] });
    expect(streamed.status).toBe(200);
    expect((await chat(gateway.url, KEYS.acme, { ...ask, model: "dead" })).status).toBe(502);
    expect((await chat(gateway.url, KEYS.acme, { ...ask, model: "fallback", messages: [{ role: "user", content: "fall back" }] })).status).toBe(200);
    expect((await chat(gateway.url, KEYS.tight, ask)).status).toBe(200);
    expect((await chat(gateway.url, KEYS.tight, { ...ask, messages: [{ role: "user", content: "again" }] })).status).toBe(429);
    families = await scrape(gateway.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it("every metric named in the dashboard and the alert rules is exported with samples, and every label they use is on it", () => {
    const exprs = expressions();
    expect(exprs.length).toBeGreaterThan(25);
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const { where, expr } of exprs) {
      const refs = promqlReferences(expr);
      if (refs.metrics.size === 0) problems.push(`${where}: no metric in ${expr}`);
      const labels = new Set<string>(["le", ...SCRAPE_LABELS]);
      for (const name of refs.metrics) {
        seen.add(name);
        const samples = exposedSamples(families, name);
        if (!samples || samples.values.length === 0) {
          problems.push(`${where}: ${name} is not exported (or has no samples)`);
          continue;
        }
        for (const l of samples.labels) labels.add(l);
      }
      for (const l of refs.labels) if (!labels.has(l)) problems.push(`${where}: label ${l} is on none of ${[...refs.metrics].join(", ")}`);
      // A status the expressions match must be a catalog code (or ok), or the panel shows nothing.
      for (const m of refs.matchers.filter((m) => m.metric === "sluice_requests_total" && m.label === "status")) {
        for (const code of m.value.split("|")) if (!(code in errorCatalog) && code !== "ok" && !/[.*]/.test(code)) problems.push(`${where}: status ${code} is not a catalog code`);
      }
    }
    expect(problems).toEqual([]);
    // The list an operator asked for is covered.
    for (const name of [
      "sluice_requests_total",
      "sluice_gateway_overhead_seconds_bucket",
      "sluice_upstream_duration_seconds_bucket",
      "sluice_time_to_first_token_seconds_bucket",
      "sluice_tenant_tokens_total",
      "sluice_tenant_cost_usd_total",
      "sluice_cache_lookups_total",
      "sluice_circuit_breaker_state",
      "sluice_limit_refusals_total",
      "sluice_policy_call_duration_seconds_bucket",
      "sluice_redis_up",
      "sluice_budget_used_usd",
      "sluice_budget_limit_usd",
    ]) {
      expect(seen, name).toContain(name);
    }
  });

  it("the new series carry what the traffic did", () => {
    const value = (name: string, labels: Record<string, string>) =>
      exposedSamples(families, name)?.values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value;
    expect(value("sluice_limit_refusals_total", { tenant: "tight", scope: "key", limit: "rpm" })).toBe(1);
    expect(value("sluice_tenant_tokens_total", { tenant: "acme", model: "echo", direction: "input" })).toBeGreaterThan(0);
    expect(value("sluice_tenant_cost_usd_total", { tenant: "acme", model: "echo" })).toBeGreaterThan(0);
    expect(value("sluice_policy_call_duration_seconds_count", { slot: "tokens", outcome: "ok" })).toBeGreaterThan(0);
    expect(value("sluice_redis_up", {})).toBe(1);
    expect(value("sluice_budget_limit_usd", { tenant: "acme", scope: "tenant:acme", period: "daily" })).toBe(50);
    expect(value("sluice_budget_used_usd", { tenant: "acme", scope: "tenant:acme", period: "daily" })).toBeGreaterThan(0);
    expect(value("sluice_cache_lookups_total", { status: "hit_exact" })).toBe(1);
    expect(value("sluice_requests_total", { status: "upstream_unavailable" })).toBe(1);
  });

  it("the dashboard is an importable Grafana dashboard on a Prometheus data source variable", () => {
    expect(dashboard.uid).toBe("sluice-gateway");
    expect(typeof dashboard.title).toBe("string");
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ds = dashboard.templating.list.find((v: { type: string }) => v.type === "datasource");
    expect(ds).toMatchObject({ name: "datasource", query: "prometheus" });
    const panels = panelsOf(dashboard);
    expect(panels.length).toBeGreaterThanOrEqual(15);
    const ids = new Set<number>();
    for (const p of dashboard.panels) {
      expect(ids.has(p.id), `panel id ${p.id} twice`).toBe(false);
      ids.add(p.id);
      expect(p.gridPos, p.title).toMatchObject({ h: expect.any(Number), w: expect.any(Number), x: expect.any(Number), y: expect.any(Number) });
    }
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it("the rule file has the structure Prometheus loads: groups of alerts with expr, for, severity and annotations", () => {
    expect(Object.keys(rules)).toEqual(["groups"]);
    const names = new Set<string>();
    for (const group of rules.groups) {
      expect(typeof group.name).toBe("string");
      expect(Array.isArray(group.rules)).toBe(true);
      for (const rule of group.rules) {
        expect(Object.keys(rule).sort()).toEqual(["alert", "annotations", "expr", "for", "labels"]);
        expect(rule.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
        expect(names.has(rule.alert), rule.alert).toBe(false);
        names.add(rule.alert);
        expect(typeof rule.expr).toBe("string");
        expect(rule.for).toMatch(/^\d+[smh]$/);
        expect(["critical", "warning", "info"]).toContain(rule.labels.severity);
        expect(rule.annotations.summary.length).toBeGreaterThan(10);
        expect(rule.annotations.description.length).toBeGreaterThan(40);
      }
    }
    // error rate, overhead p99, breaker open, Redis down, budget near exhaustion
    const byMetric = (metric: string) => rules.groups.flatMap((g: { rules: Array<{ expr: string }> }) => g.rules).filter((r: { expr: string }) => promqlReferences(r.expr).metrics.has(metric));
    for (const metric of ["sluice_requests_total", "sluice_gateway_overhead_seconds_bucket", "sluice_circuit_breaker_state", "sluice_redis_up", "sluice_budget_used_usd"]) {
      expect(byMetric(metric).length, metric).toBeGreaterThan(0);
    }
  });

  it("budget used is what the tenant's requests cost, once their settles (off the response path) have landed", async () => {
    const read = (f: Map<string, ExposedFamily>) => ({
      cost: exposedSamples(f, "sluice_tenant_cost_usd_total")!.values.filter((v) => v.labels.tenant === "acme").reduce((s, v) => s + v.value, 0),
      used: exposedSamples(f, "sluice_budget_used_usd")!.values.find((v) => v.labels.scope === "tenant:acme" && v.labels.period === "daily")!.value,
    });
    let seen = read(families);
    // Until then the budget holds each request's worst-case estimate rather than its cost.
    for (let i = 0; i < 100 && Math.abs(seen.used - seen.cost) > 1e-9; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = read(await scrape(gateway.url));
    }
    expect(seen.cost).toBeGreaterThan(0);
    expect(seen.used).toBeCloseTo(seen.cost, 9);
  });

  it("sluice_redis_up drops to 0 when Redis goes away (what SluiceRedisDown watches)", async () => {
    await redis.kill();
    let up: number | undefined = 1;
    for (let i = 0; i < 50 && up !== 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      up = exposedSamples(await scrape(gateway.url), "sluice_redis_up")?.values[0]?.value;
    }
    expect(up).toBe(0);
  });
});
