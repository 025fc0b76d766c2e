// The config's `policies` section, as the host needs it: which slots it turns on, and each
// slot's module settings (module, fail, untrusted, timeout_ms, watch_dir). What a section says
// beyond them (pii's actions, router's aliases) belongs to the slot (pii/rules.ts, ...).
import type { PoliciesConfig } from "../../gen/sluice/v1/config_pb.js";
import type { SlotConfig, SlotName } from "./definitions.js";

/** The settings every `policies.<slot>` section has (PiiPolicyConfig, RouterPolicyConfig, ...). */
interface SlotModuleSettings {
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
  if (policies?.guard) slots.push({ slot: "guard", settings: policies.guard });
  slots.push({ slot: "tokens", settings: policies?.tokens ?? DEFAULT_SETTINGS });
  return slots;
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

/** Problems of the slots' module settings, for `config check`. */
export function slotSettingsProblems(policies: PoliciesConfig | undefined): string[] {
  const problems: string[] = [];
  for (const { slot, settings } of configuredSlots(policies)) {
    if (settings.fail && settings.fail !== "open" && settings.fail !== "closed") {
      problems.push(`policies.${slot}.fail: expected "open" or "closed", got ${JSON.stringify(settings.fail)}`);
    }
  }
  return problems;
}
