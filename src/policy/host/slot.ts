// One slot at run time: the active module version and its instance (started at activation, or
// by the first call for a lazy slot). Activation is atomic: a
// new instance is built and checked first, then one assignment switches new calls to it; calls
// already queued on the old instance finish there before it is closed.
import { ABI_VERSION, type SlotConfig, type SlotDefinition } from "./definitions.js";
import { errorMessage, PolicyCallError, PolicyValidationError, type PolicyFailure } from "./errors.js";
import { PolicyInstance } from "./instance.js";
import { validateModule } from "./validate.js";
import { inspectWasm, type WasmModuleInfo } from "./wasm-inspect.js";

export interface ModuleVersionInfo {
  version: number;
  sha256: string;
  activatedAt: string;
}

interface ActiveModule extends ModuleVersionInfo {
  /** Undefined until started: a lazy slot starts its instance on the first call. */
  instance: PolicyInstance | undefined;
  starting: Promise<PolicyInstance> | undefined;
  start: () => Promise<PolicyInstance>;
}

type SlotCallOutcome =
  | { ok: true; output: Uint8Array; version: number }
  | { ok: false; failure: PolicyFailure; version: number | null };

export class PolicySlot {
  private active: ActiveModule | null = null;
  private activating: Promise<unknown> = Promise.resolve();

  /** @param observe told each call's duration in seconds and whether it succeeded (the gateway's metrics). */
  constructor(readonly definition: SlotDefinition, readonly config: SlotConfig, private readonly observe?: (seconds: number, ok: boolean) => void) {}

  get name(): string { return this.definition.name; }
  current(): ModuleVersionInfo | null {
    if (!this.active) return null;
    const { version, sha256, activatedAt } = this.active;
    return { version, sha256, activatedAt };
  }
  /** Plugins created for the active version (grows when a timeout or trap forces a fresh one). */
  generations(): number { return this.active?.instance?.generations ?? 0; }

  /** Validates `bytes` (unless the caller just did), then swaps them in. Activations of one
   *  slot apply in order. */
  activate(bytes: Uint8Array, meta: ModuleVersionInfo, alreadyValidated = false): Promise<void> {
    const run = this.activating.then(() => this.activateNow(bytes, meta, alreadyValidated));
    this.activating = run.catch(() => undefined);
    return run;
  }

  private async activateNow(bytes: Uint8Array, meta: ModuleVersionInfo, alreadyValidated: boolean): Promise<void> {
    const info = alreadyValidated ? inspectWasm(bytes) : await validateModule(this.definition, this.config, bytes);
    const next: ActiveModule = { ...meta, instance: undefined, starting: undefined, start: () => this.startInstance(bytes, info) };
    if (!this.definition.lazy) next.instance = await next.start();
    const previous = this.active;
    this.active = next;
    if (previous) await closeModule(previous);
  }

  private async startInstance(bytes: Uint8Array, info: WasmModuleInfo): Promise<PolicyInstance> {
    const instance = await PolicyInstance.create({
      bytes, info, untrusted: !this.config.trusted, timeoutMs: this.config.timeoutMs, init: this.config.init ?? this.definition.init,
    });
    // A worker plugin cannot be asked for abi_version directly; there, the vectors' outputs
    // (each carrying abi_version) are the handshake.
    if (this.config.trusted) {
      const abi = await instance.exportedAbiVersion();
      if (abi !== ABI_VERSION) {
        await instance.drainAndClose();
        throw new PolicyValidationError(this.name, [`abi_version() returned ${abi}, expected ${ABI_VERSION}`]);
      }
    }
    return instance;
  }

  /** Starts a lazy slot's instance now (a config that will call it on every request pays the
   *  start-up before the first one rather than during it). */
  async warm(): Promise<void> {
    if (this.active) await this.instanceOf(this.active);
  }

  /** The active module's instance, started by the first call of a lazy slot (one start for concurrent first calls; a failed start is tried again by the next call). */
  private instanceOf(active: ActiveModule): PolicyInstance | Promise<PolicyInstance> {
    if (active.instance) return active.instance;
    active.starting ??= active.start().then(
      (instance) => (active.instance = instance),
      (err: unknown) => {
        active.starting = undefined;
        throw err;
      },
    );
    return active.starting;
  }

  /** Never throws: a failed call comes back as a typed failure. `exportName` defaults to the
   *  slot's export (another one for optional exports, e.g. the tokens slot's `encode`). */
  async call(input: Uint8Array, exportName = this.definition.exportName): Promise<SlotCallOutcome> {
    const active = this.active;
    if (!active) return { ok: false, version: null, failure: { kind: "unavailable", slot: this.name, message: "no module loaded" } };
    const observe = this.observe;
    const startedAt = observe ? performance.now() : 0;
    try {
      const output = await (await this.instanceOf(active)).call(exportName, input);
      observe?.((performance.now() - startedAt) / 1000, true);
      return { ok: true, output, version: active.version };
    } catch (err) {
      observe?.((performance.now() - startedAt) / 1000, false);
      const kind = err instanceof PolicyCallError ? err.kind : "trap";
      return { ok: false, version: active.version, failure: { kind, slot: this.name, message: errorMessage(err) } };
    }
  }

  async close(): Promise<void> {
    await this.activating;
    const active = this.active;
    this.active = null;
    if (active) await closeModule(active);
  }
}

/** Lets a replaced or closed module's queued calls finish, then frees its instance (one still starting included). */
async function closeModule(module: ActiveModule): Promise<void> {
  const instance = module.instance ?? (await module.starting?.catch(() => undefined));
  await instance?.drainAndClose();
}
