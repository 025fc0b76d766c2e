// One loaded module version: an Extism plugin (no WASI, no hosts, no paths) behind a FIFO.
// Facts this is built on (@extism/extism 1.0.3, see FIELD-NOTES.md):
//  - a plugin is not reentrant: calls are serialised through one promise chain;
//  - the kernel leaks a host block per call until reset(): reset every RESET_EVERY calls;
//  - a chain of awaited calls starves timers and I/O: yield a macrotask every YIELD_EVERY calls;
//  - the main thread has no timeout: untrusted modules run in worker mode, where a call that
//    outlives its time limit is stopped by close() (terminates the worker) and the plugin is
//    recreated for the next call;
//  - modules importing `sluice:host` get their input copied straight into their memory and hand
//    their output back the same way (needs getInstance(), so foreground only);
//  - plain Extism hands the module the whole ArrayBuffer behind a Uint8Array, so a plain call's
//    input is made exact-size first (the codecs return views of pooled chunks, see wire.ts finishMessage);
//  - call(name) looks for the module exporting `name` with WebAssembly.Module.exports() on every
//    call, a cost that grows with the module's export count (bench/RESULTS.md, "WASM policy
//    core"); call([module, name]) goes straight to the module: the manifest's only module is
//    named "0" (its index);
//  - a slot with static data (SlotDefinition.init, e.g. the tokens rank tables) has its init
//    export called on every plugin created here, before the plugin serves any call: a plugin
//    recreated after a trap or timeout is initialised again.
import createPlugin, { type ExtismPluginOptions, type ManifestLike, type Plugin } from "@extism/extism";
import { errorMessage, PolicyCallError } from "./errors.js";
import type { WasmModuleInfo } from "./wasm-inspect.js";
import { ownBuffer, pooledCopy } from "./wire.js";
import type { SlotInit } from "./definitions.js";

const RESET_EVERY = 1000;
/** The plugin's only module, by the name Extism gives it (its index in the manifest). */
const MODULE = "0";
const YIELD_EVERY = 64;
/** Time limit of an init call in worker mode (it moves megabytes of tables and builds them). */
const INIT_TIMEOUT_MS = 10_000;
export const HOST_IO_NAMESPACE = "sluice:host";

interface InstanceOptions {
  bytes: Uint8Array;
  info: WasmModuleInfo;
  /** Worker mode with a per-call time limit. */
  untrusted: boolean;
  timeoutMs: number;
  /** Called on every new plugin before anything else (the slot's static data). */
  init?: SlotInit | undefined;
}

interface MemoryLike { buffer: ArrayBuffer }

export function usesHostIo(info: WasmModuleInfo): boolean {
  return info.imports.some((i) => i.module === HOST_IO_NAMESPACE);
}

export class PolicyInstance {
  private plugin: Plugin | null = null;
  private creating: Promise<Plugin> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private calls = 0;
  private closed = false;
  private memory: MemoryLike | null = null;
  private ioInput: Uint8Array = new Uint8Array(0);
  private ioOutput: Uint8Array | null = null;
  readonly hostIo: boolean;
  /** Plugins created so far (1 + recreations after timeouts and traps). */
  generations = 0;

  private constructor(private readonly options: InstanceOptions) {
    this.hostIo = usesHostIo(options.info);
  }

  static async create(options: InstanceOptions): Promise<PolicyInstance> {
    if (options.untrusted && usesHostIo(options.info)) {
      throw new PolicyCallError("module_error", "modules importing sluice:host need a trusted (main-thread) slot");
    }
    const instance = new PolicyInstance(options);
    await instance.ensurePlugin();
    return instance;
  }

  private hostFunctions(): NonNullable<ExtismPluginOptions["functions"]> {
    if (!this.hostIo) return {};
    const memory = (): MemoryLike => {
      if (!this.memory) throw new Error("sluice:host called before the plugin was ready");
      return this.memory;
    };
    return {
      [HOST_IO_NAMESPACE]: {
        input_length: () => this.ioInput.byteLength,
        input_copy: (_ctx: unknown, dst: number) => {
          new Uint8Array(memory().buffer, dst >>> 0, this.ioInput.byteLength).set(this.ioInput);
        },
        output_copy: (_ctx: unknown, src: number, len: number) => {
          this.ioOutput = pooledCopy(new Uint8Array(memory().buffer, src >>> 0, len >>> 0));
        },
      },
    };
  }

  private ensurePlugin(): Promise<Plugin> {
    if (this.plugin) return Promise.resolve(this.plugin);
    if (!this.creating) {
      this.creating = (async () => {
        const manifest = { wasm: [{ data: this.options.bytes }] } as unknown as ManifestLike;
        const plugin = await createPlugin(manifest, {
          useWasi: false,
          runInWorker: this.options.untrusted,
          allowedHosts: [],
          allowedPaths: {},
          functions: this.hostFunctions(),
        });
        try {
          if (this.hostIo) this.memory = (await plugin.getInstance()).exports.memory as unknown as MemoryLike;
          if (this.options.init) await this.initPlugin(plugin, this.options.init);
        } catch (err) {
          this.memory = null;
          this.creating = null; // the next call tries again on a fresh plugin
          void plugin.close().catch(() => undefined);
          throw err;
        }
        this.plugin = plugin;
        this.generations++;
        this.creating = null;
        return plugin;
      })();
    }
    return this.creating;
  }

  /** Runs the slot's init export on a new plugin (not yet serving); throws PolicyCallError. */
  private async initPlugin(plugin: Plugin, init: SlotInit): Promise<void> {
    const input = await init.input();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (this.hostIo) {
        await this.callForeground(plugin, init.exportName, input);
      } else if (this.options.untrusted) {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new PolicyCallError("timeout", `init (${init.exportName}) exceeded ${INIT_TIMEOUT_MS} ms`)), INIT_TIMEOUT_MS);
        });
        await Promise.race([plugin.call([MODULE, init.exportName], ownBuffer(input)), timeout]);
      } else {
        await plugin.call([MODULE, init.exportName], ownBuffer(input));
      }
    } catch (err) {
      if (err instanceof PolicyCallError) throw err;
      const message = errorMessage(err);
      throw new PolicyCallError(isTrap(err) ? "trap" : "module_error", `init (${init.exportName}) failed: ${message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops the current plugin (terminating its worker) so the next call gets a fresh one. */
  private discardPlugin(): void {
    const old = this.plugin;
    this.plugin = null;
    this.memory = null;
    if (old) void old.close().catch(() => undefined);
  }

  /** Calls `exportName` with `input`, after every call queued before it. */
  call(exportName: string, input: Uint8Array): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new PolicyCallError("unavailable", "policy instance is closed"));
    const result = this.queue.then(() => this.callNow(exportName, input));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async callNow(exportName: string, input: Uint8Array): Promise<Uint8Array> {
    const plugin = await this.ensurePlugin();
    if (this.calls > 0 && this.calls % RESET_EVERY === 0) await plugin.reset();
    if (this.calls > 0 && this.calls % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r));
    this.calls++;
    try {
      if (this.options.untrusted) return await this.callWithTimeout(plugin, exportName, input);
      return await this.callForeground(plugin, exportName, input);
    } catch (err) {
      if (err instanceof PolicyCallError) throw err;
      const message = errorMessage(err);
      // A trap leaves module state undefined: start the next call on a fresh instance. A module
      // error (non-zero return with a message) is a clean refusal and keeps the instance.
      const trapped = isTrap(err);
      if (trapped) this.discardPlugin();
      throw new PolicyCallError(trapped ? "trap" : "module_error", message);
    }
  }

  private async callForeground(plugin: Plugin, exportName: string, input: Uint8Array): Promise<Uint8Array> {
    if (!this.hostIo) {
      const output = await plugin.call([MODULE, exportName], ownBuffer(input));
      return output ? output.bytes() : new Uint8Array(0);
    }
    this.ioInput = input;
    this.ioOutput = null;
    try {
      await plugin.call([MODULE, exportName]);
    } finally {
      this.ioInput = new Uint8Array(0);
    }
    const output = this.ioOutput as Uint8Array | null;
    this.ioOutput = null;
    return output ?? new Uint8Array(0);
  }

  private async callWithTimeout(plugin: Plugin, exportName: string, input: Uint8Array): Promise<Uint8Array> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PolicyCallError("timeout", `call to ${exportName} exceeded ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      const output = await Promise.race([plugin.call([MODULE, exportName], ownBuffer(input)), timeout]);
      return output ? output.bytes() : new Uint8Array(0);
    } catch (err) {
      if (err instanceof PolicyCallError && err.kind === "timeout") this.discardPlugin();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The module's `abi_version()` export, called directly (foreground plugins only). */
  async exportedAbiVersion(): Promise<number | null> {
    if (this.options.untrusted) return null;
    const plugin = await this.ensurePlugin();
    const fn = (await plugin.getInstance()).exports.abi_version;
    return typeof fn === "function" ? Number((fn as () => unknown)()) : null;
  }

  /** Lets every queued call finish, then releases the plugin. */
  async drainAndClose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.creating?.catch(() => undefined);
    const plugin = this.plugin;
    this.plugin = null;
    if (plugin) await plugin.close().catch(() => undefined);
  }
}

/** Extism reports a non-zero return as "Plugin-originated error: <message>"; anything else
 *  thrown by a call (RuntimeError: unreachable, out of bounds, ...) is a trap. */
function isTrap(err: unknown): boolean {
  return !(err instanceof Error && err.message.includes("Plugin-originated error"));
}
