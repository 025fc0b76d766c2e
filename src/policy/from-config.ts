import type { PiiPolicyConfig } from "../gen/sluice/v1/config_pb.js";
import { DEFAULT_PII_RULES, PII_ENTITY_TYPES, type PiiActionName, type PiiRules } from "./pii-codec.js";
import type { SlotConfig } from "./slots.js";

const ACTIONS: readonly string[] = ["report", "redact", "mask", "placeholder", "block"];

/** The config's `policies.pii.actions`, or the module's defaults when none are given. */
export function piiRules(config: PiiPolicyConfig): PiiRules {
  const entries = Object.entries(config.actions);
  return entries.length === 0 ? DEFAULT_PII_RULES : (Object.fromEntries(entries) as Record<string, PiiActionName>);
}

/** The `pii` slot's settings from the config (defaults: DEFAULT_SLOT_CONFIG). */
export function piiSlotConfig(config: PiiPolicyConfig): Partial<SlotConfig> & { slot: "pii" } {
  return {
    slot: "pii",
    ...(config.module ? { source: config.module } : {}),
    ...(config.fail ? { failMode: config.fail === "open" ? "open" : "closed" } : {}),
    ...(config.untrusted ? { trusted: false } : {}),
    ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
  };
}

/** Config problems of `policies.pii`, for `config check`. */
export function piiConfigProblems(config: PiiPolicyConfig): string[] {
  const problems: string[] = [];
  if (config.fail && config.fail !== "open" && config.fail !== "closed") problems.push(`policies.pii.fail: expected "open" or "closed", got ${JSON.stringify(config.fail)}`);
  for (const [type, action] of Object.entries(config.actions)) {
    if (!(PII_ENTITY_TYPES as readonly string[]).includes(type)) problems.push(`policies.pii.actions.${type}: unknown entity type (known: ${PII_ENTITY_TYPES.join(", ")})`);
    if (!ACTIONS.includes(action)) problems.push(`policies.pii.actions.${type}: expected one of ${ACTIONS.join(", ")}, got ${JSON.stringify(action)}`);
  }
  return problems;
}
