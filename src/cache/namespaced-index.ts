import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../core/logger.js";
import type { VectorSpace, VectorSpaceFactory } from "./vector-space.js";

export interface SearchHit {
  id: string;
  similarity: number;
}

export interface IndexedId {
  id: string;
  namespace: string;
  expiresAt: number;
}

/** One entry to index: its id, namespace, unit-length vector and expiry. */
export interface IndexItem extends IndexedId {
  vector: Float32Array;
}

interface Space {
  space: VectorSpace;
  idOf: Map<number, string>;
  nextLabel: number;
}

interface Slot {
  namespace: string;
  label: number;
  expiresAt: number;
}

const MANIFEST = "manifest.json";
const MANIFEST_VERSION = 1;

interface Manifest {
  version: number;
  kind: string;
  dims: number;
  tag: string;
  spaces: { namespace: string; file: string; sha256: string; bytes: number; nextLabel: number; ids: [string, number, number][] }[];
}

/**
 * The semantic index proper: one vector space per namespace (tenant + model + system prompt +
 * params). One space per namespace rather than one shared graph with a filter callback:
 * - isolation holds by construction: a search walks only its namespace's graph, so no bug in a
 *   filter can hand one tenant's entry to another;
 * - a filtered HNSW search over a namespace that is a small part of a big shared graph visits
 *   many nodes it then rejects (cost grows, recall falls), and the filter crosses from C++ to
 *   JS at every visited node;
 * - a namespace's entries can be dropped or persisted on their own.
 * The cost is a small fixed overhead per namespace; empty spaces are dropped.
 * Synchronous: it runs on whichever thread owns it (main thread or the index worker).
 */
export class NamespacedIndex {
  private readonly spaces = new Map<string, Space>();
  private readonly slots = new Map<string, Slot>();

  constructor(
    readonly dims: number,
    private readonly factory: VectorSpaceFactory,
    /** Identifies the vectors' meaning (embedder name + dims): a different tag means rebuild. */
    readonly tag: string,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  get namespaceCount(): number {
    return this.spaces.size;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  ids(): IndexedId[] {
    return [...this.slots].map(([id, s]) => ({ id, namespace: s.namespace, expiresAt: s.expiresAt }));
  }

  /** Adds or replaces `id`. */
  add(id: string, namespace: string, vector: Float32Array, expiresAt: number): void {
    this.addMany([{ id, namespace, vector, expiresAt }]);
  }

  /**
   * Adds or replaces each item: one `addMany` per namespace, so a big batch (the rebuild) is
   * built on several threads where the space can. An id repeated in the batch: the last wins.
   */
  addMany(items: readonly IndexItem[]): void {
    const last = new Map<string, IndexItem>();
    for (const item of items) {
      checkDims(item.vector, this.dims);
      last.set(item.id, item);
    }
    const byNamespace = new Map<string, IndexItem[]>();
    for (const item of last.values()) {
      if (this.slots.has(item.id)) this.remove(item.id);
      const group = byNamespace.get(item.namespace);
      if (group) group.push(item);
      else byNamespace.set(item.namespace, [item]);
    }
    for (const [namespace, group] of byNamespace) {
      let space = this.spaces.get(namespace);
      if (!space) {
        space = { space: this.factory.create(this.dims), idOf: new Map(), nextLabel: 0 };
        this.spaces.set(namespace, space);
      }
      const labels = group.map(() => space!.nextLabel++);
      space.space.addMany(labels, group.map((item) => item.vector));
      group.forEach((item, i) => {
        space!.idOf.set(labels[i]!, item.id);
        this.slots.set(item.id, { namespace, label: labels[i]!, expiresAt: item.expiresAt });
      });
    }
  }

  remove(id: string): boolean {
    const slot = this.slots.get(id);
    if (!slot) return false;
    this.slots.delete(id);
    const space = this.spaces.get(slot.namespace);
    if (space) {
      space.space.remove(slot.label);
      space.idOf.delete(slot.label);
      if (space.space.size === 0) this.spaces.delete(slot.namespace);
    }
    return true;
  }

  /** Nearest live, unexpired entries of one namespace, most similar first. */
  search(namespace: string, vector: Float32Array, k: number, now: number): SearchHit[] {
    const space = this.spaces.get(namespace);
    if (!space) return [];
    const hits: SearchHit[] = [];
    for (const n of space.space.search(vector, k)) {
      const id = space.idOf.get(n.label);
      if (id === undefined) continue;
      if (this.slots.get(id)!.expiresAt <= now) continue; // expire() will reclaim it
      hits.push({ id, similarity: n.similarity });
    }
    return hits;
  }

  /** Removes expired entries; returns how many. */
  expire(now: number): number {
    let n = 0;
    for (const [id, slot] of this.slots) {
      if (slot.expiresAt <= now) {
        this.remove(id);
        n++;
      }
    }
    return n;
  }

  /** Writes every space and a manifest (with checksums) under `dir`. Do not mutate until it settles. */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const manifest: Manifest = { version: MANIFEST_VERSION, kind: this.factory.kind, dims: this.dims, tag: this.tag, spaces: [] };
    for (const [namespace, space] of this.spaces) {
      const file = `${namespace.slice(0, 32)}.${this.factory.kind}`;
      const path = join(dir, file);
      await space.space.save(path + ".tmp");
      await rename(path + ".tmp", path);
      const ids: [string, number, number][] = [];
      for (const [label, id] of space.idOf) ids.push([id, label, this.slots.get(id)!.expiresAt]);
      manifest.spaces.push({ namespace, file, sha256: await sha256File(path), bytes: (await stat(path)).size, nextLabel: space.nextLabel, ids });
    }
    await writeFile(join(dir, MANIFEST + ".tmp"), JSON.stringify(manifest));
    await rename(join(dir, MANIFEST + ".tmp"), join(dir, MANIFEST));
    // Files of namespaces that have since emptied out (and directories of a sharded layout).
    const keep = new Set([MANIFEST, ...manifest.spaces.map((s) => s.file)]);
    for (const f of await readdir(dir)) if (!keep.has(f)) await rm(join(dir, f), { force: true, recursive: true });
  }

  /**
   * Reads what `save` wrote. Anything unreadable (no manifest, other dims/tag, a checksum or
   * parse failure) is logged as a warning and left out; the caller then re-adds the missing
   * entries from the entry store, which rebuilds those spaces.
   */
  static async load(dir: string, dims: number, factory: VectorSpaceFactory, tag: string, log: Logger): Promise<NamespacedIndex> {
    const index = new NamespacedIndex(dims, factory, tag);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(dir, MANIFEST), "utf8")) as Manifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        log.warn({ dir, err: String(err) }, "semantic index manifest is unreadable; rebuilding the index from cache entries");
      }
      return index;
    }
    if (manifest.version !== MANIFEST_VERSION || manifest.kind !== factory.kind || manifest.dims !== dims || manifest.tag !== tag) {
      log.warn({ dir, found: { kind: manifest.kind, dims: manifest.dims, tag: manifest.tag }, want: { kind: factory.kind, dims, tag } },
        "persisted semantic index was built differently; rebuilding it from cache entries");
      return index;
    }
    for (const s of manifest.spaces) {
      const path = join(dir, s.file);
      try {
        const bytes = (await stat(path)).size;
        // Checked before hnswlib parses the file: a damaged file must never reach native code.
        if (bytes !== s.bytes || (await sha256File(path)) !== s.sha256) throw new Error("checksum mismatch");
        const space = await factory.load(path, dims, s.ids.map(([, label]) => label));
        const idOf = new Map<number, string>();
        for (const [id, label, expiresAt] of s.ids) {
          idOf.set(label, id);
          index.slots.set(id, { namespace: s.namespace, label, expiresAt });
        }
        index.spaces.set(s.namespace, { space, idOf, nextLabel: s.nextLabel });
      } catch (err) {
        log.warn({ file: path, entries: s.ids.length, err: String(err) }, "persisted semantic index is corrupt; rebuilding it from cache entries");
      }
    }
    return index;
  }

  static async clear(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => h.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex")));
  });
}

/** Refuses a vector whose length is not the index's dimension (the whole batch it came in). */
export function checkDims(vector: Float32Array, dims: number): void {
  if (vector.length !== dims) throw new Error(`vector has ${vector.length} dims, index has ${dims}`);
}
