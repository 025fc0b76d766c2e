/**
 * Checks an admit request before any store touches it: a bad limit (0, NaN, Infinity) would
 * otherwise turn into an endless retry-after or a corrupt Redis value. Config validation should
 * catch these first; this is the last line, and it throws (a programming error, not a refusal).
 */
import type { AdmitRequest } from "./types.js";

const positive = (x: number | undefined) => x === undefined || (Number.isFinite(x) && x > 0);
const nonNegative = (x: number | undefined) => x === undefined || (Number.isFinite(x) && x >= 0);

export function assertValidAdmit(req: AdmitRequest): void {
  if (!Number.isFinite(req.tokens) || req.tokens < 0) throw new Error(`limits: tokens must be a finite number >= 0, got ${req.tokens}`);
  if (!nonNegative(req.estimatedCostUsd)) throw new Error(`limits: estimatedCostUsd must be >= 0, got ${req.estimatedCostUsd}`);
  if (!positive(req.ttlMs)) throw new Error(`limits: ttlMs must be > 0, got ${req.ttlMs}`);
  for (const s of req.scopes) {
    if (!s.id || !s.partition || /[{}\n]/.test(s.id) || /[{}\n]/.test(s.partition)) {
      throw new Error(`limits: scope id and partition must be non-empty without '{', '}' or newlines (scope ${JSON.stringify(s.id)})`);
    }
    if (!positive(s.rpm) || !positive(s.tpm)) throw new Error(`limits: scope ${s.id}: rpm and tpm must be > 0 when set`);
    const b = s.budget;
    if (b && (!nonNegative(b.dailyUsd) || !nonNegative(b.monthlyUsd) || !nonNegative(b.lifetimeUsd))) {
      throw new Error(`limits: scope ${s.id}: budget caps must be >= 0`);
    }
    if (b?.softThresholds?.some((t) => !(t > 0 && t <= 1))) throw new Error(`limits: scope ${s.id}: soft thresholds are fractions in (0, 1]`);
  }
}
