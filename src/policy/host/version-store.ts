// Where module versions live. Every pushed version is kept with its sha256; activations are
// recorded with their time so `rollback` can go back. Two implementations: LocalVersionStore
// (files under <data_dir>/policies/<slot>/) and RedisVersionStore (shared by every replica,
// activations broadcast by pub/sub).
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A module version's identity: the sha256 of its bytes, in hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface PolicyVersion {
  slot: string;
  version: number;
  sha256: string;
  size: number;
  createdAt: string;
  note: string;
}

export interface Activation {
  version: number;
  activatedAt: string;
}

export type ActivationListener = (slot: string, activation: Activation) => void;

export interface VersionStore {
  /** Stores a new version (numbered 1, 2, ... per slot); does not activate it. */
  put(slot: string, bytes: Uint8Array, note?: string): Promise<PolicyVersion>;
  getBytes(slot: string, version: number): Promise<Uint8Array | null>;
  list(slot: string): Promise<PolicyVersion[]>;
  /** Records and announces an activation (to every replica, for a shared store). */
  activate(slot: string, version: number): Promise<Activation>;
  /** Activation history, oldest first; the last one is the active version. */
  activations(slot: string): Promise<Activation[]>;
  onActivate(listener: ActivationListener): () => void;
  close(): Promise<void>;
}

interface SlotIndex {
  versions: PolicyVersion[];
  activations: Activation[];
}

export class LocalVersionStore implements VersionStore {
  private readonly listeners = new Set<ActivationListener>();
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataDir: string) {}

  private dir(slot: string): string { return join(this.dataDir, "policies", slot); }

  private async readIndex(slot: string): Promise<SlotIndex> {
    try {
      return JSON.parse(await readFile(join(this.dir(slot), "index.json"), "utf8")) as SlotIndex;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { versions: [], activations: [] };
      throw err;
    }
  }

  /** Write-then-rename, so a crash never leaves a half-written index. */
  private async writeIndex(slot: string, index: SlotIndex): Promise<void> {
    const path = join(this.dir(slot), "index.json");
    await writeFile(`${path}.tmp`, JSON.stringify(index, null, 2));
    await rename(`${path}.tmp`, path);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work);
    this.writing = run.catch(() => undefined);
    return run;
  }

  put(slot: string, bytes: Uint8Array, note = ""): Promise<PolicyVersion> {
    return this.exclusive(async () => {
      await mkdir(this.dir(slot), { recursive: true });
      const index = await this.readIndex(slot);
      const version = (index.versions.at(-1)?.version ?? 0) + 1;
      const entry: PolicyVersion = { slot, version, sha256: sha256Hex(bytes), size: bytes.byteLength, createdAt: new Date().toISOString(), note };
      const file = join(this.dir(slot), `${version}.wasm`);
      await writeFile(`${file}.tmp`, bytes);
      await rename(`${file}.tmp`, file);
      index.versions.push(entry);
      await this.writeIndex(slot, index);
      return entry;
    });
  }

  async getBytes(slot: string, version: number): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(join(this.dir(slot), `${version}.wasm`)));
    } catch {
      return null;
    }
  }

  async list(slot: string): Promise<PolicyVersion[]> { return (await this.readIndex(slot)).versions; }
  async activations(slot: string): Promise<Activation[]> { return (await this.readIndex(slot)).activations; }

  activate(slot: string, version: number): Promise<Activation> {
    return this.exclusive(async () => {
      const index = await this.readIndex(slot);
      if (!index.versions.some((v) => v.version === version)) throw new Error(`policy ${slot}: no version ${version}`);
      const activation = { version, activatedAt: new Date().toISOString() };
      index.activations.push(activation);
      await this.writeIndex(slot, index);
      for (const listener of this.listeners) listener(slot, activation);
      return activation;
    });
  }

  onActivate(listener: ActivationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.writing;
  }
}
