// Where prompt versions and labels live. Versions are immutable (numbered 1, 2, ... per prompt,
// kept with their YAML source); a label's assignments are kept as a history, oldest first, so
// `rollback` goes back to the one before. Two implementations: LocalPromptStore (files under
// <data_dir>/prompts/<id>/) and RedisPromptStore (shared by every replica).
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SluiceError } from "../errors/sluice-error.js";
import { parsePromptFile } from "./template.js";

export interface PromptVersion {
  id: string;
  version: number;
  sha256: string;
  createdAt: string;
  /** The YAML file as pushed. */
  source: string;
}

/** One version of a label's split; weights are relative (90 and 10 = 90 %). */
export interface LabelTarget {
  version: number;
  weight: number;
}

export interface LabelAssignment {
  targets: LabelTarget[];
  setAt: string;
}

export type ChangeListener = (id: string) => void;

export interface PromptStore {
  /** Checks the file and stores it as the prompt's next version. */
  push(source: string): Promise<PromptVersion>;
  versions(id: string): Promise<PromptVersion[]>;
  ids(): Promise<string[]>;
  /** Each label's assignment history, oldest first (the last is current). */
  labels(id: string): Promise<Record<string, LabelAssignment[]>>;
  setLabel(id: string, label: string, targets: LabelTarget[]): Promise<LabelAssignment>;
  /** Drops the label's current assignment; the one before serves again. */
  rollback(id: string, label: string): Promise<LabelAssignment>;
  /** Called when a prompt's versions or labels change (on any replica, for a shared store). */
  onChange(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

export function newVersion(source: string, version: number): PromptVersion {
  const { id } = parsePromptFile(source);
  return { id, version, sha256: createHash("sha256").update(source).digest("hex"), createdAt: new Date().toISOString(), source };
}

/** The checks a label assignment needs, whatever the store. */
export function checkAssignment(id: string, label: string, targets: LabelTarget[], known: PromptVersion[]): LabelAssignment {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(label)) throw new SluiceError("invalid_request", `label ${JSON.stringify(label)}: letters, digits, '.', '_', '-'`, { param: "label" });
  if (targets.length === 0) throw new SluiceError("invalid_request", "a label needs at least one version", { param: "versions" });
  const seen = new Set<number>();
  for (const t of targets) {
    if (!known.some((v) => v.version === t.version)) throw new SluiceError("invalid_request", `prompt ${id} has no version ${t.version}`, { param: "versions" });
    if (seen.has(t.version)) throw new SluiceError("invalid_request", `version ${t.version} is named twice`, { param: "versions" });
    if (!Number.isInteger(t.weight) || t.weight <= 0) throw new SluiceError("invalid_request", `the weight of version ${t.version} must be a positive integer`, { param: "versions" });
    seen.add(t.version);
  }
  return { targets, setAt: new Date().toISOString() };
}

export function noPrompt(id: string): SluiceError {
  return new SluiceError("invalid_request", `no prompt \`${id}\``, { param: "prompt.id" });
}

interface LocalIndex {
  versions: Array<Omit<PromptVersion, "source">>;
  labels: Record<string, LabelAssignment[]>;
}

export class LocalPromptStore implements PromptStore {
  private readonly listeners = new Set<ChangeListener>();
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataDir: string) {}

  private dir(id: string): string { return join(this.dataDir, "prompts", id); }

  private async readIndex(id: string): Promise<LocalIndex> {
    try {
      return JSON.parse(await readFile(join(this.dir(id), "index.json"), "utf8")) as LocalIndex;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { versions: [], labels: {} };
      throw err;
    }
  }

  /** Write-then-rename, so a crash never leaves a half-written file. */
  private async writeAtomic(path: string, text: string): Promise<void> {
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
  }

  private exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work);
    this.writing = run.catch(() => undefined);
    return run.then((result) => {
      for (const listener of this.listeners) listener(id);
      return result;
    });
  }

  async push(source: string): Promise<PromptVersion> {
    const { id } = parsePromptFile(source);
    return this.exclusive(id, async () => {
      await mkdir(this.dir(id), { recursive: true });
      const index = await this.readIndex(id);
      const entry = newVersion(source, (index.versions.at(-1)?.version ?? 0) + 1);
      await this.writeAtomic(join(this.dir(id), `${entry.version}.yaml`), source);
      const { source: _, ...info } = entry;
      index.versions.push(info);
      await this.writeAtomic(join(this.dir(id), "index.json"), JSON.stringify(index, null, 2));
      return entry;
    });
  }

  async versions(id: string): Promise<PromptVersion[]> {
    const index = await this.readIndex(id);
    return Promise.all(index.versions.map(async (v) => ({ ...v, source: await readFile(join(this.dir(id), `${v.version}.yaml`), "utf8") })));
  }

  async ids(): Promise<string[]> {
    try {
      return (await readdir(join(this.dataDir, "prompts"))).sort();
    } catch {
      return [];
    }
  }

  async labels(id: string): Promise<Record<string, LabelAssignment[]>> { return (await this.readIndex(id)).labels; }

  setLabel(id: string, label: string, targets: LabelTarget[]): Promise<LabelAssignment> {
    return this.exclusive(id, async () => {
      const index = await this.readIndex(id);
      if (index.versions.length === 0) throw noPrompt(id);
      const assignment = checkAssignment(id, label, targets, index.versions as PromptVersion[]);
      (index.labels[label] ??= []).push(assignment);
      await this.writeAtomic(join(this.dir(id), "index.json"), JSON.stringify(index, null, 2));
      return assignment;
    });
  }

  rollback(id: string, label: string): Promise<LabelAssignment> {
    return this.exclusive(id, async () => {
      const index = await this.readIndex(id);
      const history = index.labels[label] ?? [];
      if (history.length < 2) throw new SluiceError("invalid_request", `label ${label} of ${id} has no earlier assignment to go back to`, { param: "label" });
      history.pop();
      await this.writeAtomic(join(this.dir(id), "index.json"), JSON.stringify(index, null, 2));
      return history.at(-1)!;
    });
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.writing;
  }
}
