import type { BudgetConfig, Config } from "../gen/sluice/v1/config_pb.js";
import { parseKeyHash } from "../limits/keys.js";
import { modelNameProblem } from "../providers/model-names.js";
import { providerConfigProblem, providerKinds } from "../providers/kinds.js";
import { parseListen, isLoopbackHost } from "../config/listen-address.js";
import { corsOriginProblem } from "../server/http/cors.js";
import { ROUTER_MAX_CANDIDATES } from "../policy/router/codec.js";
import { policyConfigProblems } from "../policy/slots.js";
import { mcpConfigProblems } from "../mcp/settings.js";
import { otelMetricsSettings } from "../telemetry/otel-metrics-settings.js";
import { tracingConfigProblems } from "../telemetry/tracing/index.js";

/**
 * Rules that span fields (references, uniqueness, combinations). Field types and unknown
 * fields are checked earlier against the proto schema.
 */
export function checkConfig(config: Config): string[] {
  const problems: string[] = [];
  const server = config.server!;

  const listen = parseListen(server.listen);
  if (!listen) problems.push(`server.listen: expected host:port, got ${JSON.stringify(server.listen)}`);
  if (server.tls && (!server.tls.cert || !server.tls.key)) problems.push("server.tls: needs both cert and key");

  const providerIds = new Set<string>();
  config.providers.forEach((p, i) => {
    const at = `providers[${i}]`;
    if (!p.id) problems.push(`${at}.id: required`);
    else if (providerIds.has(p.id)) problems.push(`${at}.id: duplicate provider id ${JSON.stringify(p.id)}`);
    else if (p.id.includes("/")) problems.push(`${at}.id: must not contain "/"`);
    providerIds.add(p.id);
    if (!providerKinds.includes(p.kind)) {
      problems.push(`${at}.kind: expected one of ${providerKinds.join(", ")}, got ${JSON.stringify(p.kind)}`);
    } else {
      const problem = providerConfigProblem(p);
      if (problem) problems.push(`${at}: ${problem}`);
    }
    if (p.baseUrl && !/^https?:\/\//.test(p.baseUrl)) problems.push(`${at}.base_url: expected an http(s) URL`);
    if (p.reasoning && p.reasoning !== "drop" && p.reasoning !== "pass") {
      problems.push(`${at}.reasoning: expected "drop" or "pass", got ${JSON.stringify(p.reasoning)}`);
    }
  });

  const aliases = new Set<string>();
  config.models.forEach((m, i) => {
    const at = `models[${i}]`;
    if (!m.alias) problems.push(`${at}.alias: required`);
    else if (aliases.has(m.alias)) problems.push(`${at}.alias: duplicate alias ${JSON.stringify(m.alias)}`);
    aliases.add(m.alias);
    if (m.context && !["", "refuse", "drop_oldest", "middle_out"].includes(m.context.strategy)) {
      problems.push(`${at}.context.strategy: expected refuse, drop_oldest or middle_out, got ${JSON.stringify(m.context.strategy)}`);
    }
    if (m.context && !m.contextWindow) problems.push(`${at}.context: needs context_window`);
    if (m.targets.length === 0) problems.push(`${at}.targets: needs at least one target`);
    if (m.strategy && m.strategy !== "weighted" && m.strategy !== "ordered") {
      problems.push(`${at}.strategy: expected "weighted" or "ordered", got ${JSON.stringify(m.strategy)}`);
    }
    m.targets.forEach((t, j) => {
      if (!providerIds.has(t.provider)) problems.push(`${at}.targets[${j}].provider: no provider with id ${JSON.stringify(t.provider)}`);
      if (!t.model) problems.push(`${at}.targets[${j}].model: required`);
      const kind = config.providers.find((p) => p.id === t.provider)?.kind;
      const nameProblem = t.model && kind ? modelNameProblem(kind, t.model) : undefined;
      if (nameProblem) problems.push(`${at}.targets[${j}].model: ${nameProblem}`);
    });
  });
  config.models.forEach((m, i) => {
    const fallback = m.context?.fallback;
    if (fallback && (!aliases.has(fallback) || fallback === m.alias)) {
      problems.push(`models[${i}].context.fallback: ${JSON.stringify(fallback)} is not another models[].alias`);
    }
  });

  const tenantIds = new Set<string>();
  const keyIds = new Set<string>();
  const hashes = new Set<string>();
  config.tenants.forEach((t, i) => {
    const at = `tenants[${i}]`;
    if (!t.id) problems.push(`${at}.id: required`);
    else if (tenantIds.has(t.id)) problems.push(`${at}.id: duplicate tenant id ${JSON.stringify(t.id)}`);
    tenantIds.add(t.id);
    t.keys.forEach((k, j) => {
      if (!k.id) problems.push(`${at}.keys[${j}].id: required`);
      else if (keyIds.has(k.id)) problems.push(`${at}.keys[${j}].id: duplicate key id ${JSON.stringify(k.id)}`);
      keyIds.add(k.id);
      if (!parseKeyHash(k.hash)) problems.push(`${at}.keys[${j}].hash: expected "sha256:<64 hex digits>" (see \`sluice keys new\`)`);
      else if (hashes.has(k.hash)) problems.push(`${at}.keys[${j}].hash: the same key is configured twice`);
      hashes.add(k.hash);
    });
  });

  if (config.redis && !/^rediss?:\/\//.test(config.redis.url)) problems.push(`redis.url: expected redis://host:port, got ${JSON.stringify(config.redis.url)}`);
  const mode = config.limits?.redisFaultMode;
  if (mode && mode !== "fail-open" && mode !== "fail-closed") problems.push(`limits.redis_fault_mode: expected "fail-open" or "fail-closed", got ${JSON.stringify(mode)}`);
  for (const [model, price] of Object.entries(config.pricing)) {
    const values = [price.inputPerMtok, price.outputPerMtok, price.cachedInputPerMtok ?? 0, price.cacheWritePerMtok ?? 0];
    if (values.some((v) => v < 0)) problems.push(`pricing.${model}: prices must not be negative`);
  }
  config.tenants.forEach((t, i) => {
    if (/[{}\n]/.test(t.id)) problems.push(`tenants[${i}].id: must not contain "{", "}" or newlines`);
    checkBudget(t.budget, `tenants[${i}].budget`, problems);
    t.keys.forEach((k, j) => {
      checkBudget(k.budget, `tenants[${i}].keys[${j}].budget`, problems);
      if (k.expiresAt && Number.isNaN(Date.parse(k.expiresAt))) problems.push(`tenants[${i}].keys[${j}].expires_at: expected an RFC 3339 time, got ${JSON.stringify(k.expiresAt)}`);
    });
  });

  problems.push(...policyConfigProblems(config.policies));
  problems.push(...mcpConfigProblems(config));
  // With the OTEL_* variables it completes (read again when the gateway starts).
  problems.push(...otelMetricsSettings(config.telemetry?.otelMetrics, process.env).problems);
  const routed = config.policies?.router;
  for (const alias of routed?.aliases ?? []) {
    if (!aliases.has(alias)) problems.push(`policies.router.aliases: ${JSON.stringify(alias)} is not a models[].alias`);
  }
  if (routed) {
    // The module's candidate table has a fixed size: a longer alias would fail every routed call.
    config.models.forEach((m, i) => {
      const isRouted = routed.aliases.length === 0 || routed.aliases.includes(m.alias);
      if (isRouted && m.targets.length > ROUTER_MAX_CANDIDATES) {
        problems.push(`models[${i}].targets: ${m.targets.length} targets, but the router slot takes at most ${ROUTER_MAX_CANDIDATES} per alias (route it with the built-in strategy: leave it out of policies.router.aliases)`);
      }
    });
  }

  problems.push(...corsProblems(config, keyIds.size));
  problems.push(...tracingConfigProblems(config.telemetry?.tracing));

  if (listen && !isLoopbackHost(listen.host) && keyIds.size === 0) {
    problems.push(
      `server.listen: ${server.listen} is reachable from other machines but no API keys are configured; ` +
        "add tenants[].keys (see `sluice keys new`) or listen on 127.0.0.1",
    );
  }
  return problems;
}

/** `server.cors`: exact origins; "*" only while nobody needs a key (a page anywhere could then spend it). */
function corsProblems(config: Config, apiKeys: number): string[] {
  const cors = config.server?.cors;
  if (!cors) return [];
  const problems: string[] = [];
  if (cors.allowedOrigins.length === 0) problems.push("server.cors.allowed_origins: list at least one origin (or leave server.cors out)");
  cors.allowedOrigins.forEach((origin, i) => {
    const problem = corsOriginProblem(origin);
    if (problem) problems.push(`server.cors.allowed_origins[${i}]: ${problem}`);
  });
  if (cors.allowedOrigins.includes("*")) {
    const adminKeys = config.admin?.keys.length ?? 0;
    if (apiKeys > 0 || adminKeys > 0) {
      problems.push('server.cors.allowed_origins: "*" lets any web page call the gateway; it is refused when API or admin keys are configured: list the exact origins');
    }
    if (cors.allowCredentials) problems.push('server.cors.allow_credentials: browsers refuse credentials with "*"; list the exact origins');
  }
  return problems;
}

function checkBudget(budget: BudgetConfig | undefined, at: string, problems: string[]): void {
  if (!budget) return;
  if (budget.dailyUsd < 0 || budget.monthlyUsd < 0 || budget.lifetimeUsd < 0) problems.push(`${at}: caps must not be negative`);
  if (budget.softThresholds.some((t) => !(t > 0 && t <= 1))) problems.push(`${at}.soft_thresholds: each must be a fraction in (0, 1]`);
}
