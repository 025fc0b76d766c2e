import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/load.js";
import { parseConfig } from "../../../src/app/load-config.js";
import { builtinConfig } from "../../../src/config/defaults.js";
import { hashApiKey } from "../../../src/limits/keys.js";
import { cacheOptions } from "../../../src/cache/from-config.js";
import { resolveCacheOptions } from "../../../src/cache/config.js";

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(yaml, "t.yaml", env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe("config loading", () => {
  it("the built-in config runs the mock provider on loopback with no keys", () => {
    const c = builtinConfig();
    expect(c.server?.listen).toBe("127.0.0.1:8080");
    expect(c.server?.maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(c.providers.map((p) => [p.id, p.kind])).toEqual([["mock", "mock"]]);
    expect(c.models.map((m) => m.alias)).toEqual(["mock-echo", "mock-lorem", "mock-embed"]);
    expect(c.tenants).toEqual([]);
  });

  it("an empty file is the built-in config", () => {
    expect(parseConfig("", "empty.yaml").providers[0]?.kind).toBe("mock");
  });

  it("reads every section and applies defaults to what is left out", () => {
    const c = parseConfig(
      `
server: { listen: "127.0.0.1:9000" }
providers:
  - { id: oai, kind: openai, api_key: "\${OPENAI_KEY}", timeouts: { connect_ms: 1000 } }
models:
  - { alias: fast, targets: [ { provider: oai, model: gpt-4o-mini, weight: 3 } ] }
`,
      "t.yaml",
      { OPENAI_KEY: "sk-from-env" },
    );
    expect(c.server?.listen).toBe("127.0.0.1:9000");
    expect(c.server?.drainTimeoutMs).toBe(10_000);
    expect(c.providers[0]?.apiKey).toBe("sk-from-env");
    expect(c.providers[0]?.timeouts?.connectMs).toBe(1000);
    expect(c.providers[0]?.maxConnections).toBe(128);
    expect(c.models[0]?.targets[0]?.weight).toBe(3);
    expect(c.telemetry?.accessLog).toBe(true);
  });

  it("rejects unknown fields by name, with the fields valid there", () => {
    const p = problems(`server: { listen: "127.0.0.1:1", max_body: 5 }`);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^server\.max_body: unknown field \(valid here: listen, max_body_bytes, tls, drain_timeout_ms, timeouts, max_connections_per_client, cors\)/);
    expect(problems(`colour: blue`)[0]).toMatch(/^colour: unknown field/);
  });

  it("names the field and the expected type for type errors, nested in lists", () => {
    const p = problems(`
providers:
  - { id: a, kind: mock }
  - { id: b, kind: openai, timeouts: { connect_ms: -5 } }
`);
    expect(p).toEqual(["providers[1].timeouts.connect_ms: expected a non-negative integer, got number -5"]);
    expect(problems(`server: "fast"`)).toEqual([`server: expected a mapping (ServerConfig), got string "fast"`]);
    expect(problems(`tenants: { id: x }`)[0]).toMatch(/^tenants: expected a list/);
  });

  it("reports unset environment variables by field; a fallback fills in", () => {
    expect(problems(`providers: [ { id: o, kind: openai, api_key: "\${MISSING_KEY}" } ]`)).toEqual([
      "providers[0].api_key: environment variable MISSING_KEY is not set",
    ]);
    const c = parseConfig(`providers: [ { id: o, kind: openai, api_key: "\${MISSING_KEY:-sk-dev}" } ]`, "t", {});
    expect(c.providers[0]?.apiKey).toBe("sk-dev");
  });

  it("checks references and uniqueness", () => {
    const p = problems(`
providers: [ { id: a, kind: mock }, { id: a, kind: nosuch } ]
models: [ { alias: m, targets: [ { provider: zz, model: x } ] }, { alias: m, targets: [] } ]
`);
    expect(p).toContain('providers[1].id: duplicate provider id "a"');
    expect(p.find((x) => x.startsWith("providers[1].kind"))).toMatch(/^providers\[1\]\.kind: expected one of (\S+, )*mock(, \S+)*, got "nosuch"$/);
    expect(p).toContain('models[0].targets[0].provider: no provider with id "zz"');
    expect(p).toContain('models[1].alias: duplicate alias "m"');
    expect(p).toContain("models[1].targets: needs at least one target");
  });

  it("refuses a target's model name its provider kind would put in a URL unsafely", () => {
    const p = problems(`
providers: [ { id: gem, kind: gemini, api_key: k } ]
models: [ { alias: g, targets: [ { provider: gem, model: "gemini-2.0-x/../gemini-2.5-pro" } ] } ]
`);
    expect(p.find((x) => x.startsWith("models[0].targets[0].model:"))).toMatch(/without '\.\.'/);
  });

  it("asks each provider kind about its own settings", () => {
    const p = problems(`
providers:
  - { id: br, kind: bedrock, aws: { access_key_id: AKID, secret_access_key: s } }
  - { id: az, kind: azure-openai }
`);
    expect(p.find((x) => x.startsWith("providers[0]:"))).toMatch(/region/);
    expect(p.find((x) => x.startsWith("providers[1]:"))).toMatch(/base_url/);
  });

  it("rejects malformed key hashes", () => {
    expect(problems(`tenants: [ { id: t, keys: [ { id: k, hash: "plaintext-key" } ] } ]`)[0]).toMatch(/tenants\[0\]\.keys\[0\]\.hash: expected "sha256:/);
  });

  it("refuses a non-loopback listen address without keys, and says why", () => {
    const p = problems(`server: { listen: "0.0.0.0:8080" }`);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/reachable from other machines but no API keys are configured/);
    const withKeys = parseConfig(`
server: { listen: "0.0.0.0:8080" }
tenants: [ { id: t, keys: [ { id: k, hash: "${hashApiKey("sk-x")}" } ] } ]
`, "t");
    expect(withKeys.server?.listen).toBe("0.0.0.0:8080");
  });

  it("reports YAML syntax errors and duplicate keys", () => {
    expect(problems(`server: { listen: `)[0]).toMatch(/^not valid YAML/);
    expect(problems(`server: {}\nserver: {}`)[0]).toMatch(/^not valid YAML/);
  });

  it("the cache section's YAML keys reach the cache options, the rest keep their defaults", () => {
    const c = parseConfig(
      `
cache:
  semantic: { hnsw_m: 24, hnsw_ef_construction: 64, hnsw_ef_search: 96, thread_mode: worker, worker_shards: 2 }
`,
      "t.yaml",
    );
    const o = resolveCacheOptions(cacheOptions(c));
    expect(o.semantic.hnsw).toMatchObject({ m: 24, efConstruction: 64, efSearch: 96 });
    expect(o.semantic.threadMode).toBe("worker");
    expect(o.semantic.workerShards).toBe(2);
    expect(o.semantic.workerThreshold).toBe(50_000);
    expect(resolveCacheOptions(cacheOptions(parseConfig("cache: {}", "t.yaml"))).semantic.hnsw.efSearch).toBe(192);
    expect(problems("cache: { semantic: { hnsw: { m: 8 } } }").join("\n")).toMatch(/hnsw/);
  });

  it("policies: a fail mode other than open/closed and a router alias that is no model are refused", () => {
    const found = problems("policies: { router: { fail: maybe, aliases: [ mock-echo, nope ] } }");
    expect(found).toContain('policies.router.fail: expected "open" or "closed", got "maybe"');
    expect(found).toContain('policies.router.aliases: "nope" is not a models[].alias');
    expect(found.join("\n")).not.toContain("mock-echo");
  });

  it("policies.guard: a bad action, threshold, role or fail mode is refused by name; the documented shape is accepted", () => {
    const found = problems("policies: { guard: { fail: maybe, action: drop, threshold: 1.5, roles: [ user, robot ] } }");
    expect(found).toContain('policies.guard.fail: expected "open" or "closed", got "maybe"');
    expect(found).toContain('policies.guard.action: expected "block", "flag" or "log", got "drop"');
    expect(found).toContain("policies.guard.threshold: expected a number in (0, 1], got 1.5");
    expect(found).toContain('policies.guard.roles: "robot" is not one of system, user, assistant, tool');
    expect(problems("policies: { guard: { threshold: 0 } }")).toContain("policies.guard.threshold: expected a number in (0, 1], got 0");
    expect(problems("policies: { guard: { colour: red } }").join("\n")).toMatch(/policies\.guard\.colour: unknown field/);
    expect(problems("policies: { guard: { module: builtin:guard, fail: open, action: flag, threshold: 0.5, roles: [user, tool], canary: true } }")).toEqual([]);
  });

  it("policies: a routed alias with more targets than the router module's table takes is refused", () => {
    const targets = (n: number) => `[ ${Array.from({ length: n }, (_, i) => `{ provider: mock, model: "m${i}" }`).join(", ")} ]`;
    const models = `models: [ { alias: wide, targets: ${targets(65)} }, { alias: ok, targets: ${targets(64)} } ]`;
    const providers = "providers: [ { id: mock, kind: mock } ]";
    expect(problems(`${providers}\n${models}\npolicies: { router: {} }`)).toContain(
      "models[0].targets: 65 targets, but the router slot takes at most 64 per alias (route it with the built-in strategy: leave it out of policies.router.aliases)",
    );
    expect(problems(`${providers}\n${models}\npolicies: { router: { aliases: [ ok ] } }`).join("\n")).not.toMatch(/targets/);
    expect(problems(`${providers}\n${models}`).join("\n")).not.toMatch(/targets/);
  });
});
