import type { PiiPolicyConfig, PoliciesConfig } from "../gen/sluice/v1/config_pb.js";
import { DEFAULT_PII_RULES, PII_ENTITY_TYPES, type PiiActionName, type PiiRules } from "./pii-codec.js";
import type { SlotConfig, SlotName } from "./slots.js";

const ACTIONS: readonly string[] = ["report", "redact", "mask", "placeholder", "block"];

/** The settings every `policies.<slot>` section has (PiiPolicyConfig, RouterPolicyConfig, ...). */
export interface SlotModuleSettings {
  module: string;
  fail: string;
  untrusted: boolean;
  timeoutMs: number;
  watchDir: string;
}

export interface ConfiguredSlot {
  slot: SlotName;
  settings: SlotModuleSettings;
}

/** Settings of a slot whose section is absent: every field at its default. */
const DEFAULT_SETTINGS: SlotModuleSettings = { module: "", fail: "", untrusted: false, timeoutMs: 0, watchDir: "" };

/** The slots the config turns on, each with its section. The `tokens` slot is always on (input
 *  token counts for limits, budgets and context windows): `policies.tokens` only tunes it. */
export function configuredSlots(policies: PoliciesConfig | undefined): ConfiguredSlot[] {
  const slots: ConfiguredSlot[] = [];
  if (policies?.pii) slots.push({ slot: "pii", settings: policies.pii });
  if (policies?.router) slots.push({ slot: "router", settings: policies.router });
  slots.push({ slot: "tokens", settings: policies?.tokens ?? DEFAULT_SETTINGS });
  return slots;
}

/** The config's `policies.pii.actions`, or the module's defaults when none are given. */
export function piiRules(config: PiiPolicyConfig): PiiRules {
  const entries = Object.entries(config.actions);
  return entries.length === 0 ? DEFAULT_PII_RULES : (Object.fromEntries(entries) as Record<string, PiiActionName>);
}

/** A slot's settings from its config section (unset fields keep DEFAULT_SLOT_CONFIG). */
export function slotConfig({ slot, settings }: ConfiguredSlot): Partial<SlotConfig> & { slot: SlotName } {
  return {
    slot,
    ...(settings.module ? { source: settings.module } : {}),
    ...(settings.fail ? { failMode: settings.fail === "open" ? "open" : "closed" } : {}),
    ...(settings.untrusted ? { trusted: false } : {}),
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
  };
}

/** Config problems of `policies`, for `config check`. */
export function policyConfigProblems(policies: PoliciesConfig | undefined): string[] {
  const problems: string[] = [];
  for (const { slot, settings } of configuredSlots(policies)) {
    if (settings.fail && settings.fail !== "open" && settings.fail !== "closed") {
      problems.push(`policies.${slot}.fail: expected "open" or "closed", got ${JSON.stringify(settings.fail)}`);
    }
  }
  for (const [type, action] of Object.entries(policies?.pii?.actions ?? {})) {
    if (!(PII_ENTITY_TYPES as readonly string[]).includes(type)) problems.push(`policies.pii.actions.${type}: unknown entity type (known: ${PII_ENTITY_TYPES.join(", ")})`);
    if (!ACTIONS.includes(action)) problems.push(`policies.pii.actions.${type}: expected one of ${ACTIONS.join(", ")}, got ${JSON.stringify(action)}`);
  }
  return problems;
}
