/**
 * The metric names and label names a PromQL expression refers to, by a small tokenizer (enough
 * for dashboards and alert rules; not a full PromQL parser). Metric names are identifiers that
 * are not function calls, keywords, aggregation clauses, label matchers, durations or Grafana
 * variables.
 */
export interface PromqlReferences {
  metrics: Set<string>;
  /** Label names in `{matchers}` and in `by (...)` / `without (...)` / `on (...)` / `ignoring (...)` / `group_*(...)`. */
  labels: Set<string>;
  /** Label matchers with their metric: `sluice_requests_total{status!="ok"}` -> [{ metric, label, op, value }]. */
  matchers: Array<{ metric: string; label: string; op: string; value: string }>;
}

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan"]);
const CLAUSES = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

export function promqlReferences(expr: string): PromqlReferences {
  const refs: PromqlReferences = { metrics: new Set(), labels: new Set(), matchers: [] };
  let i = 0;
  let lastMetric = "";
  const src = expr;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(src, i);
      continue;
    }
    if (c === "#") {
      // A comment runs to the end of the line.
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === "[") {
      // A range or subquery: `[5m]`, `[$__rate_interval]`, `[1h:5m]`.
      i = src.indexOf("]", i) + 1;
      continue;
    }
    if (c === "{") {
      const end = findClosing(src, i, "{", "}");
      for (const m of parseMatchers(src.slice(i + 1, end))) {
        refs.labels.add(m.label);
        refs.matchers.push({ metric: lastMetric, ...m });
      }
      i = end + 1;
      continue;
    }
    if (c === "$") {
      // A Grafana variable: `$instance`, `${datasource}`, `$__rate_interval`.
      i++;
      if (src[i] === "{") i = src.indexOf("}", i) + 1;
      else while (i < src.length && /\w/.test(src[i]!)) i++;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      // A number (0.99, 1e3, 0x1f) or a duration (5m).
      while (i < src.length && /[0-9a-zA-Z_.+]/.test(src[i]!) && !(src[i] === "+" && !/[eE]/.test(src[i - 1]!))) i++;
      continue;
    }
    if (/[a-zA-Z_:]/.test(c)) {
      let j = i;
      while (j < src.length && /[a-zA-Z0-9_:]/.test(src[j]!)) j++;
      const word = src.slice(i, j);
      let k = j;
      while (k < src.length && /\s/.test(src[k]!)) k++;
      const lower = word.toLowerCase();
      if (CLAUSES.has(lower) && src[k] === "(") {
        const end = findClosing(src, k, "(", ")");
        for (const label of src.slice(k + 1, end).split(",")) if (label.trim()) refs.labels.add(label.trim());
        i = end + 1;
        continue;
      }
      if (lower === "offset") {
        // `offset 5m`: skip the duration.
        while (k < src.length && /[0-9a-zA-Z_$]/.test(src[k]!)) k++;
        i = k;
        continue;
      }
      // `sum by (x) (...)`: an aggregation with its clause first is a call too.
      const clauseNext = /^(by|without)\s*\(/i.test(src.slice(k));
      if (src[k] !== "(" && !clauseNext && !KEYWORDS.has(lower)) {
        refs.metrics.add(word);
        lastMetric = word;
      }
      i = j;
      continue;
    }
    i++;
  }
  return refs;
}

function skipString(src: string, start: number): number {
  const quote = src[start];
  let i = start + 1;
  while (i < src.length && src[i] !== quote) i += src[i] === "\\" ? 2 : 1;
  return i + 1;
}

function findClosing(src: string, start: number, open: string, close: string): number {
  let depth = 0;
  for (let i = start; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(src, i) - 1;
      continue;
    }
    if (c === open) depth++;
    else if (c === close && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${open} in ${JSON.stringify(src)}`);
}

function parseMatchers(body: string): Array<{ label: string; op: string; value: string }> {
  const out: Array<{ label: string; op: string; value: string }> = [];
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
  let m: RegExpExecArray | null;
  let read = 0;
  while ((m = re.exec(body)) !== null) {
    out.push({ label: m[1]!, op: m[2]!, value: m[3]!.replace(/\\(.)/g, "$1") });
    read = re.lastIndex;
  }
  if (body.slice(read).trim() !== "") throw new Error(`cannot read label matchers ${JSON.stringify(body)}`);
  return out;
}

/** One metric family of a Prometheus text exposition: its type and the label names its samples carry. */
export interface ExposedFamily {
  type: string;
  /** Sample names seen (`x_bucket`, `x_sum`, `x_count` for a histogram). */
  samples: Map<string, { labels: Set<string>; values: Array<{ labels: Record<string, string>; value: number }> }>;
}

/** Parses `/metrics` text (Prometheus exposition format 0.0.4) into families by name. */
export function parseExposition(text: string): Map<string, ExposedFamily> {
  const families = new Map<string, ExposedFamily>();
  let current: ExposedFamily | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      current = { type: type!, samples: new Map() };
      families.set(name!, current);
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || !current) throw new Error(`cannot read /metrics line ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    let sample = current.samples.get(m[1]!);
    if (!sample) current.samples.set(m[1]!, (sample = { labels: new Set(), values: [] }));
    for (const name of Object.keys(labels)) sample.labels.add(name);
    sample.values.push({ labels, value: Number(m[3]) });
  }
  return families;
}

const SUFFIXES: Record<string, string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["_sum", "_count"] };

/**
 * The exposed samples a PromQL metric name reads: the family of that name (counters keep their
 * `_total` in the family name), or a histogram's/summary's `_bucket`/`_sum`/`_count` series, whose
 * suffix is stripped only when the remaining name is a family of that type. Undefined: not exposed.
 */
export function exposedSamples(families: Map<string, ExposedFamily>, name: string): ExposedFamily["samples"] extends Map<string, infer V> ? V | undefined : never {
  const family = families.get(name);
  if (family) return family.type === "histogram" || family.type === "summary" ? undefined : family.samples.get(name);
  for (const [type, suffixes] of Object.entries(SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!name.endsWith(suffix)) continue;
      const base = families.get(name.slice(0, -suffix.length));
      if (base?.type === type) return base.samples.get(name);
    }
  }
  return undefined;
}
