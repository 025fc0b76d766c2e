// The generic policy host: the slots of one gateway process, their module versions, and hot swap.
//   start: each configured slot loads its active version from the store, or (first start) its
//          configured source, which is stored as version 1 and activated;
//   push:  validate -> store -> activate (here at once, elsewhere through the store's broadcast);
//   rollback: re-activate the version that was active before the current one (or a given one).
// It knows slots only through the definitions it is given (../slots.ts assembles them from the
// slot folders); PolicyHost (../policy-host.ts) adds the typed API of each slot on top.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../core/logger.js";
import type { SlotConfig, SlotDefinition, SlotName } from "./definitions.js";
import { PolicyValidationError } from "./errors.js";
import { PolicySlot, type ModuleVersionInfo } from "./slot.js";
import { validateModule } from "./validate.js";
import { sha256Hex, type Activation, type PolicyVersion, type VersionStore } from "./version-store.js";
import { watchPolicyDirectory } from "./watch.js";

/** <repo>/dist/policy-wasm, whether this file runs from src/policy/host (tsx, vitest) or from
 *  dist/src/policy/host (the compiled build). */
const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_BUILTIN_DIR =
  [resolve(here, "..", "..", "..", "dist", "policy-wasm"), resolve(here, "..", "..", "..", "..", "dist", "policy-wasm")].find((d) => existsSync(d)) ??
  resolve(here, "..", "..", "..", "dist", "policy-wasm");

export interface PolicyHostOptions {
  /** Slots to run, each overriding the defaults of DEFAULT_SLOT_CONFIG. */
  slots: ReadonlyArray<Partial<SlotConfig> & { slot: SlotName }>;
  store: VersionStore;
  builtinDir?: string;
  /** Called when a broadcast activation could not be applied (the old version keeps serving). */
  onError?: (slot: string, err: unknown) => void;
  /** Gives each slot a function told the duration (seconds) and success of every call into it (latency metrics). */
  observeCalls?: (slot: string) => (seconds: number, ok: boolean) => void;
}

/** What the host knows of every slot: its definition and its default settings. */
export interface SlotTable {
  definitions: Readonly<Record<SlotName, SlotDefinition>>;
  defaults: Readonly<Record<SlotName, SlotConfig>>;
}

async function readModuleSource(source: string, builtinDir = DEFAULT_BUILTIN_DIR): Promise<Uint8Array> {
  const path = source.startsWith("builtin:") ? join(builtinDir, `${source.slice("builtin:".length)}.wasm`) : source;
  return new Uint8Array(await readFile(path));
}

/** Notes of versions the host stored from the configured source: at first start, and after. */
const FROM_CONFIG = ["initial", "configured"];

export class PolicyHostBase {
  private readonly slots = new Map<SlotName, PolicySlot>();
  private readonly watchers: Array<{ close(): void }> = [];
  private unsubscribe: () => void = () => undefined;
  /** Activations being applied, by "slot:version": a push and its own broadcast share one. */
  private readonly applying = new Map<string, Promise<void>>();
  /** sha256 of modules this process validated for a push (not validated twice). */
  private readonly validated = new Set<string>();

  protected constructor(private readonly options: PolicyHostOptions, private readonly table: SlotTable) {}

  /** Subscribes to activations, then loads every configured slot (see the file comment). */
  protected async load(): Promise<void> {
    const { store } = this.options;
    this.unsubscribe = store.onActivate((slot, activation) => {
      this.apply(slot as SlotName, activation).catch((err) => this.options.onError?.(slot, err));
    });
    for (const partial of this.options.slots) {
      const config: SlotConfig = { ...this.table.defaults[partial.slot], ...partial };
      const slot = new PolicySlot(this.table.definitions[partial.slot], config, this.options.observeCalls?.(partial.slot));
      this.slots.set(partial.slot, slot);
      const activations = await store.activations(partial.slot);
      const active = activations.at(-1);
      if (!active) {
        const bytes = await readModuleSource(config.source, this.options.builtinDir);
        await this.push(partial.slot, bytes, `${FROM_CONFIG[0]} ${config.source}`);
      } else if (!(await this.followConfiguredSource(partial.slot, config.source, activations))) {
        await this.apply(partial.slot, active);
      }
    }
  }

  /**
   * The configured module follows the configuration and the Sluice release: when the active
   * version was stored from the config (not pushed by an operator) and the configured source now
   * has other bytes (an upgraded builtin, or `module:` changed), those are pushed and activated.
   * A version an operator pushed, or rolled back to (activated more than once), stays active.
   * False: nothing pushed.
   */
  private async followConfiguredSource(name: SlotName, source: string, activations: readonly Activation[]): Promise<boolean> {
    const active = activations.at(-1)!;
    if (activations.filter((a) => a.version === active.version).length > 1) return false;
    const version = (await this.options.store.list(name)).find((v) => v.version === active.version);
    const from = /^(\S+) (.+)$/.exec(version?.note ?? "");
    if (!version || !from || !FROM_CONFIG.includes(from[1]!)) return false;
    try {
      const bytes = await readModuleSource(source, this.options.builtinDir);
      if (from[2] === source && sha256Hex(bytes) === version.sha256) return false;
      await this.push(name, bytes, `${FROM_CONFIG[1]} ${source}`);
      return true;
    } catch (err) {
      // Unreadable or rejected: keep serving the stored version rather than not starting.
      this.options.onError?.(name, err);
      return false;
    }
  }

  slot(name: SlotName): PolicySlot {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`policy slot ${name} is not configured`);
    return slot;
  }

  /** Whether `name` is one of this host's slots. */
  has(name: SlotName): boolean {
    return this.slots.has(name);
  }

  /** Loads a stored version into the slot unless it is already the active one. */
  private apply(name: SlotName, activation: Activation): Promise<void> {
    const key = `${name}:${activation.version}`;
    let run = this.applying.get(key);
    if (!run) {
      run = this.applyNow(name, activation).finally(() => this.applying.delete(key));
      this.applying.set(key, run);
    }
    return run;
  }

  private async applyNow(name: SlotName, activation: Activation): Promise<void> {
    const slot = this.slots.get(name);
    if (!slot || slot.current()?.version === activation.version) return;
    const bytes = await this.options.store.getBytes(name, activation.version);
    if (!bytes) throw new Error(`policy ${name}: version ${activation.version} has no stored module`);
    const stored = (await this.options.store.list(name)).find((v) => v.version === activation.version);
    const sha256 = sha256Hex(bytes);
    if (stored && stored.sha256 !== sha256) throw new Error(`policy ${name}: version ${activation.version} sha256 mismatch`);
    const meta: ModuleVersionInfo = { version: activation.version, sha256, activatedAt: activation.activatedAt };
    await slot.activate(bytes, meta, this.validated.has(`${name}:${sha256}`));
  }

  /** Validates, stores and activates a new module version; returns it. Throws
   *  PolicyValidationError (nothing stored) when the module is rejected. */
  async push(name: SlotName, bytes: Uint8Array, note = ""): Promise<PolicyVersion> {
    const slot = this.slot(name);
    await validateModule(slot.definition, slot.config, bytes);
    this.validated.add(`${name}:${sha256Hex(bytes)}`);
    const version = await this.options.store.put(name, bytes, note);
    const activation = await this.options.store.activate(name, version.version);
    await this.apply(name, activation);
    return version;
  }

  /** Activates `toVersion`, or the version active before the current one. */
  async rollback(name: SlotName, toVersion?: number): Promise<Activation> {
    const slot = this.slot(name);
    let target = toVersion;
    if (target === undefined) {
      const current = slot.current()?.version;
      const history = await this.options.store.activations(name);
      target = [...history].reverse().find((a) => a.version !== current)?.version;
      if (target === undefined) throw new PolicyValidationError(name, ["no earlier version to roll back to"]);
    }
    const activation = await this.options.store.activate(name, target);
    await this.apply(name, activation);
    return activation;
  }

  async list(name: SlotName): Promise<{ active: ModuleVersionInfo | null; versions: PolicyVersion[]; activations: Activation[] }> {
    return {
      active: this.slot(name).current(),
      versions: await this.options.store.list(name),
      activations: await this.options.store.activations(name),
    };
  }

  /** Pushes modules dropped into `dir` (see watch.ts); stopped by close(). */
  watchDirectory(slot: SlotName, dir: string, log: Pick<Logger, "info" | "error">): void {
    this.watchers.push(watchPolicyDirectory((name, bytes, note) => this.push(name, bytes, note), slot, dir, log));
  }

  async close(): Promise<void> {
    for (const w of this.watchers.splice(0)) w.close();
    this.unsubscribe();
    await Promise.all([...this.slots.values()].map((s) => s.close()));
    this.slots.clear();
  }
}
