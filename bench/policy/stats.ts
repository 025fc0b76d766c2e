// Timing helpers: per-call samples in microseconds, percentiles.
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs `fn` `iterations` times after `warmup` runs; returns sorted µs samples. */
export async function sample(fn: () => unknown, iterations: number, warmup = Math.min(200, iterations)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
  return out.sort((a, b) => a - b);
}

export const fmt = (n: number, digits = 1): string => n.toFixed(digits);

/** ns per byte of a trivial JS byte loop: how loaded the shared machine is right now. */
export function calibrationNsPerByte(): number {
  const bytes = new Uint8Array(1 << 20).fill(97);
  let letters = 0;
  const t0 = process.hrtime.bigint();
  for (let round = 0; round < 10; round++) for (let i = 0; i < bytes.length; i++) if (((bytes[i] as number) | 32) - 97 < 26) letters++;
  const ns = Number(process.hrtime.bigint() - t0);
  return letters > 0 ? ns / (10 * bytes.length) : NaN;
}
