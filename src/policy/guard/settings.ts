// The config's `policies.guard` beyond the module settings every slot has: what a detection does,
// the threshold, the roles checked and the canary. Defaults here; `config check` reports the
// problems (guardConfigProblems).
import type { GuardPolicyConfig } from "../../gen/sluice/v1/config_pb.js";
import type { GuardRole } from "./codec.js";

type GuardAction = "block" | "flag" | "log";

export interface GuardSettings {
  action: GuardAction;
  /** Score (0..1] at or above which a part is an attack. */
  threshold: number;
  roles: ReadonlySet<GuardRole>;
  canary: boolean;
}

const ACTIONS: readonly GuardAction[] = ["block", "flag", "log"];
const ROLES: readonly GuardRole[] = ["system", "user", "assistant", "tool"];
const DEFAULT_GUARD_THRESHOLD = 0.5;
const DEFAULT_ROLES: readonly GuardRole[] = ["user", "tool"];

export function guardSettings(config: GuardPolicyConfig | undefined): GuardSettings {
  const roles = config?.roles.length ? config.roles.filter((r): r is GuardRole => (ROLES as readonly string[]).includes(r)) : DEFAULT_ROLES;
  return {
    action: (ACTIONS as readonly string[]).includes(config?.action ?? "") ? (config!.action as GuardAction) : "block",
    threshold: config?.threshold ?? DEFAULT_GUARD_THRESHOLD,
    roles: new Set(roles),
    canary: config?.canary ?? true,
  };
}

/** Problems of `policies.guard`, for `config check`. */
export function guardConfigProblems(config: GuardPolicyConfig | undefined): string[] {
  if (!config) return [];
  const problems: string[] = [];
  if (config.action && !(ACTIONS as readonly string[]).includes(config.action)) {
    problems.push(`policies.guard.action: expected "block", "flag" or "log", got ${JSON.stringify(config.action)}`);
  }
  if (config.threshold !== undefined && !(config.threshold > 0 && config.threshold <= 1)) {
    problems.push(`policies.guard.threshold: expected a number in (0, 1], got ${config.threshold}`);
  }
  for (const role of config.roles) {
    if (!(ROLES as readonly string[]).includes(role)) problems.push(`policies.guard.roles: ${JSON.stringify(role)} is not one of ${ROLES.join(", ")}`);
  }
  return problems;
}
