import { Counter, type Registry } from "prom-client";

/** Labels a guard module may give that become metric labels; anything else counts as "other". */
const KNOWN_LABELS = new Set(["benign", "injection", "jailbreak", "prompt_leak"]);

/**
 * The guard slot's metrics, registered on the gateway's registry: every check by outcome
 * (`clean`, `detected`, `skipped` when the module failed open) with the configured action and the
 * label of the highest-scoring part, and every canary leak (the system prompt in an answer).
 */
export class GuardMetrics {
  readonly checks: Counter<"outcome" | "action" | "label">;
  readonly canaryLeaks: Counter<"action">;

  constructor(registry: Registry) {
    this.checks = new Counter({
      name: "sluice_guard_checks_total",
      help: "Requests checked by the guard slot, by outcome (clean, detected, skipped), configured action and label.",
      labelNames: ["outcome", "action", "label"],
      registers: [registry],
    });
    this.canaryLeaks = new Counter({
      name: "sluice_guard_canary_leaks_total",
      help: "Answers that contained the request's canary (a system-prompt leak), by configured action.",
      labelNames: ["action"],
      registers: [registry],
    });
  }

  /** A module's label as a bounded metric label. */
  static label(label: string): string {
    return KNOWN_LABELS.has(label) ? label : "other";
  }
}
