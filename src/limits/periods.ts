/**
 * Budget periods are UTC calendar days and months (fixed windows: a daily budget resets at
 * midnight UTC, which is what operators read on an invoice). The Redis script computes the same
 * ids from Redis TIME; keep them in step (redis-scripts.ts, `civil`).
 */
const DAY_MS = 86_400_000;

export interface PeriodIds {
  /** Days since the epoch, and `YYYY-MM-DD`. */
  dayNumber: number;
  dayId: string;
  /** year*12 + (month-1), and `YYYY-MM`. */
  monthNumber: number;
  monthId: string;
  /** Ms until the day / month ends. */
  msToDayEnd: number;
  msToMonthEnd: number;
}

/** The calendar part changes once a day; the hot path asks many times per request. */
let memo: { dayNumber: number; dayId: string; monthNumber: number; monthId: string; monthEnd: number } | undefined;

export function periodIds(nowMs: number): PeriodIds {
  const dayNumber = Math.floor(nowMs / DAY_MS);
  if (memo?.dayNumber !== dayNumber) {
    const d = new Date(dayNumber * DAY_MS);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth();
    const iso = d.toISOString();
    memo = { dayNumber, dayId: iso.slice(0, 10), monthNumber: y * 12 + m, monthId: iso.slice(0, 7), monthEnd: Date.UTC(y, m + 1, 1) };
  }
  return {
    dayNumber,
    dayId: memo.dayId,
    monthNumber: memo.monthNumber,
    monthId: memo.monthId,
    msToDayEnd: (dayNumber + 1) * DAY_MS - nowMs,
    msToMonthEnd: memo.monthEnd - nowMs,
  };
}
