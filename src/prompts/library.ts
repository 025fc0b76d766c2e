// What the pipeline asks: "which version of prompt X serves this caller, and what does it say?"
// A prompt's versions and current labels are read from the store once and kept; the store's change
// notice (every replica hears it with Redis) drops them, and so does age (`refreshMs`), because
// Redis pub/sub may miss a message while a replica reconnects.
import { createHash } from "node:crypto";
import { SluiceError } from "../errors/sluice-error.js";
import type { LabelTarget, PromptStore } from "./store.js";
import { parsePromptFile, type PromptTemplate } from "./template.js";

/** The label used when a request names neither a label nor a version (absent: the latest version). */
const DEFAULT_LABEL = "production";

interface Loaded {
  at: number;
  templates: Map<number, PromptTemplate>;
  latest: number;
  labels: Map<string, LabelTarget[]>;
}

/**
 * The version a split gives a caller: the same caller (API key id + `user`) always lands on the
 * same version for a given prompt and label, while callers spread by the weights.
 */
export function pickVersion(targets: readonly LabelTarget[], stickyKey: string): number {
  if (targets.length === 1) return targets[0]!.version;
  const total = targets.reduce((sum, t) => sum + t.weight, 0);
  const point = (createHash("sha256").update(stickyKey).digest().readUInt32BE(0) / 2 ** 32) * total;
  let upTo = 0;
  for (const t of targets) {
    upTo += t.weight;
    if (point < upTo) return t.version;
  }
  return targets.at(-1)!.version;
}

export class PromptLibrary {
  private readonly cache = new Map<string, Promise<Loaded>>();
  private readonly unsubscribe: () => void;

  constructor(readonly store: PromptStore, private readonly refreshMs = 2_000) {
    this.unsubscribe = store.onChange((id) => this.cache.delete(id));
  }

  private load(id: string): Promise<Loaded> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const loading = (async (): Promise<Loaded> => {
      const [versions, labels] = await Promise.all([this.store.versions(id), this.store.labels(id)]);
      const templates = new Map(versions.map((v) => [v.version, parsePromptFile(v.source)]));
      const current = new Map<string, LabelTarget[]>();
      for (const [name, history] of Object.entries(labels)) if (history.length > 0) current.set(name, history.at(-1)!.targets);
      return { at: Date.now(), templates, latest: versions.at(-1)?.version ?? 0, labels: current };
    })();
    this.cache.set(id, loading);
    loading.then(
      () => setTimeout(() => this.cache.get(id) === loading && this.cache.delete(id), this.refreshMs).unref(),
      () => this.cache.get(id) === loading && this.cache.delete(id), // a failed read is not kept
    );
    return loading;
  }

  /**
   * The template and version for a request. `version` wins over `label`; with neither, the
   * `production` label when it exists, else the latest version. `caller` makes a split sticky.
   */
  async resolve(ref: { id: string; label: string; version: number }, caller: string): Promise<{ template: PromptTemplate; version: number }> {
    if (!ref.id) throw new SluiceError("invalid_request", "prompt.id is required", { param: "prompt.id" });
    const loaded = await this.load(ref.id);
    if (loaded.latest === 0) throw new SluiceError("invalid_request", `no prompt \`${ref.id}\``, { param: "prompt.id" });
    let version: number;
    if (ref.version > 0) {
      version = ref.version;
    } else {
      const label = ref.label || DEFAULT_LABEL;
      const targets = loaded.labels.get(label);
      if (!targets && ref.label) throw new SluiceError("invalid_request", `prompt ${ref.id} has no label \`${ref.label}\``, { param: "prompt.label" });
      version = targets ? pickVersion(targets, `${caller}\n${ref.id}\n${label}`) : loaded.latest;
    }
    const template = loaded.templates.get(version);
    if (!template) throw new SluiceError("invalid_request", `prompt ${ref.id} has no version ${version}`, { param: "prompt.version" });
    return { template, version };
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.store.close();
  }
}
