// Timing: one warm-up run, then `rounds` rounds that each repeat the work until `minMs` has
// passed; the result is the median time per run. Rounds of all contenders of a case run
// interleaved, so background load on the shared machine hits baseline and ours alike.

export interface Timed {
  msPerRun: number;
}

export interface MeasureOptions {
  rounds: number;
  minMs: number;
}

async function oneRound(work: () => Promise<unknown>, minMs: number): Promise<number> {
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await work();
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return elapsed / runs;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Measures every job of one case, round-robin. Jobs listed in `runOnce` (implementations that
 * take tens of seconds on an input) get a single timed run with no warm-up.
 */
export async function measureInterleaved(jobs: (() => Promise<unknown>)[], options: MeasureOptions, runOnce: ReadonlySet<number> = new Set()): Promise<Timed[]> {
  for (let j = 0; j < jobs.length; j++) if (!runOnce.has(j)) await (jobs[j] as () => Promise<unknown>)(); // warm-up: JIT, first-call allocations, memory growth
  const samples = jobs.map(() => [] as number[]);
  for (let round = 0; round < options.rounds; round++) {
    for (let j = 0; j < jobs.length; j++) {
      if (runOnce.has(j) && round > 0) continue;
      samples[j]?.push(await oneRound(jobs[j] as () => Promise<unknown>, runOnce.has(j) ? 0 : options.minMs));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return samples.map((s) => ({ msPerRun: median(s) }));
}

export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1e3);
}
