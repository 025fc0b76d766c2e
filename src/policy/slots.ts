// The slot table: every slot's definition and default settings, assembled from the slot folders
// (pii/, guard/, router/, tokens/) for the host (policy-host.ts), the admin API and the CLI, and the
// checks of the config's `policies` section. The host itself (host/) knows no slot: it is given
// this table.
import type { PoliciesConfig } from "../gen/sluice/v1/config_pb.js";
import type { SlotConfig, SlotDefinition, SlotName } from "./host/definitions.js";
import { slotSettingsProblems } from "./host/from-config.js";
import type { SlotTable } from "./host/host.js";
import { GUARD_SLOT, GUARD_SLOT_DEFAULTS } from "./guard/definition.js";
import { guardConfigProblems } from "./guard/settings.js";
import { PII_SLOT, PII_SLOT_DEFAULTS } from "./pii/definition.js";
import { piiRulesProblems, piiSlotInit } from "./pii/rules.js";
import { ROUTER_SLOT, ROUTER_SLOT_DEFAULTS } from "./router/definition.js";
import { TOKENS_SLOT, TOKENS_SLOT_DEFAULTS } from "./tokens/definition.js";

export const SLOT_DEFINITIONS: Readonly<Record<SlotName, SlotDefinition>> = {
  pii: PII_SLOT,
  guard: GUARD_SLOT,
  tokens: TOKENS_SLOT,
  router: ROUTER_SLOT,
};

export const DEFAULT_SLOT_CONFIG: Readonly<Record<SlotName, SlotConfig>> = {
  pii: PII_SLOT_DEFAULTS,
  guard: GUARD_SLOT_DEFAULTS,
  tokens: TOKENS_SLOT_DEFAULTS,
  router: ROUTER_SLOT_DEFAULTS,
};

export const SLOT_TABLE: SlotTable = { definitions: SLOT_DEFINITIONS, defaults: DEFAULT_SLOT_CONFIG };

/** Config problems of `policies`, for `config check`. */
export function policyConfigProblems(policies: PoliciesConfig | undefined): string[] {
  return [...slotSettingsProblems(policies), ...piiRulesProblems(policies?.pii), ...guardConfigProblems(policies?.guard)];
}

/** Init data a configured slot gets from the config (the pii slot's custom recognizers), to
 *  spread into its SlotConfig. */
export function slotInitFromConfig(slot: SlotName, policies: PoliciesConfig | undefined): Pick<SlotConfig, "init"> {
  const init = slot === "pii" ? piiSlotInit(policies?.pii) : undefined;
  return init ? { init } : {};
}
