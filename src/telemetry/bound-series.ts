import { format } from "node:util";
import { Counter, Histogram } from "prom-client";

// The gateway's per-request series (settle: eight to twelve `inc`/`observe` calls per request).
// A prom-client child bound with `labels(...)` still validates and hashes its label object on
// every call (~0.4 µs per `inc`, ~0.6 µs per `observe`: 3-6 µs per request). These subclasses
// add `bind(...)`: a child that finds its series' entry in prom-client's store once and then
// adds to it directly, exactly as prom-client's own `inc`/`observe` would. Registration, `get()`,
// the /metrics text and the cluster aggregation stay prom-client's. The store (`hashMap`) is
// internal to prom-client (pinned at 15.1.3); test/unit/telemetry/bound-series.test.ts checks
// that bound calls give the same text and JSON as prom-client's own calls.

interface CounterEntry {
  value: number;
  labels: Record<string, string>;
}

interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

/** A counter child bound once: `inc` adds to its series with no label work. */
export interface BoundCounter {
  inc(value?: number): void;
}

/** A histogram child bound once: `observe` adds to its series with no label work. */
export interface BoundHistogram {
  observe(value: number): void;
}

function labelObject(names: readonly string[], values: readonly string[]): Record<string, string> {
  if (names.length !== values.length) throw new Error(`Invalid number of label values (${values.length}) for label names (${names.length}): "${names.join(", ")}".`);
  const labels: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i]!;
  return labels;
}

/** The entry prom-client stores for `labels` (found by its label values: several children may share one series). */
function entryOf<E extends { labels: Record<string, string> }>(metric: object, labels: Record<string, string>): E {
  const map = (metric as { hashMap: Record<string, E> }).hashMap;
  const names = Object.keys(labels);
  for (const key in map) {
    const entry = map[key]!;
    if (names.every((name) => String(entry.labels[name]) === labels[name])) return entry;
  }
  throw new Error("prom-client did not store the series as expected");
}

export class FastCounter<T extends string = string> extends Counter<T> {
  /** Bumped when the store is emptied (reset, remove): bound children find their entry again. */
  private generation = 0;

  /** A child for one label set, in `labelNames` order; its series appears on its first `inc`, as with `labels(...)`. */
  bind(...values: string[]): BoundCounter {
    const labels = labelObject((this as unknown as { labelNames: string[] }).labelNames, values);
    this.labels(labels as never); // prom-client's own label checks, once
    let entry: CounterEntry | undefined;
    let generation = -1;
    return {
      inc: (value = 1) => {
        // prom-client's checks, as it makes them (NaN passes its first one).
        if (value && !Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
        if (value < 0) throw new Error("It is not possible to decrease a counter");
        if (generation !== this.generation || entry === undefined) {
          this.inc(labels as never, value);
          entry = entryOf<CounterEntry>(this, labels);
          generation = this.generation;
          return;
        }
        entry.value += value;
      },
    };
  }

  override reset(): void {
    this.generation++;
    super.reset();
  }

  override remove(...args: unknown[]): void {
    this.generation++;
    (super.remove as (...a: unknown[]) => void)(...args);
  }
}

export class FastHistogram<T extends string = string> extends Histogram<T> {
  private generation = 0;

  /** A child for one label set, in `labelNames` order; its series appears on its first `observe`, as with `labels(...)`. */
  bind(...values: string[]): BoundHistogram {
    const labels = labelObject((this as unknown as { labelNames: string[] }).labelNames, values);
    this.labels(labels as never); // prom-client's own label checks, once
    const upperBounds = (this as unknown as { upperBounds: number[] }).upperBounds;
    // prom-client keys its buckets by the bound; the keys as strings once, not a number turned
    // into a property name on every observe (a slow runtime call for a fractional bound).
    const bucketKeys = upperBounds.map(String);
    let entry: HistogramEntry | undefined;
    let generation = -1;
    return {
      observe: (value) => {
        if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
        if (generation !== this.generation || entry === undefined) {
          this.observe(labels as never, value);
          entry = entryOf<HistogramEntry>(this, labels);
          generation = this.generation;
          return;
        }
        entry.sum += value;
        entry.count += 1;
        // prom-client counts a value in the first bucket whose bound is >= it (cumulated at export).
        for (let i = 0; i < upperBounds.length; i++) {
          const bound = upperBounds[i]!;
          if (value <= bound) {
            entry.bucketValues[bucketKeys[i]!]! += 1;
            break;
          }
        }
      },
    };
  }

  override reset(): void {
    this.generation++;
    super.reset();
  }

  override remove(...args: unknown[]): void {
    this.generation++;
    (super.remove as (...a: unknown[]) => void)(...args);
  }
}
