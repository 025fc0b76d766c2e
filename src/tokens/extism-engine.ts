// Runs the tokens module through @extism/extism on the main thread.
//  - plain:  `init` / `count` / `encode` with Extism input and output (any Extism host can).
//  - hostio: `init_direct` / `count_direct` / `encode_direct`; the `sluice:host` host
//            functions copy the batch into module memory and the result out in one step each,
//            instead of the kernel's 8 bytes per call.
// Extism 1.0.3 plugins are not reentrant, so calls are serialised; its kernel leaks a host
// block per call until reset() (call 16,383 fails without one), so the plugin is reset every
// RESET_EVERY calls (module memory, where the rank table lives, survives a reset). A tight
// chain of plugin calls settles through microtasks, so every YIELD_EVERY calls we yield a
// macrotask to let timers and I/O run.
import createPlugin, { type ExtismPluginOptions, type ManifestLike, type Plugin } from "@extism/extism";
import { encodeBatch, batchUpperBound, writeBatch } from "./batch-codec.js";
import type { BatchOperation, TokenEngine } from "./engine.js";
import type { WasmMemory, WasmModule } from "./wasm-api.js";

const RESET_EVERY = 1024;
const YIELD_EVERY = 64;

export interface ExtismEngineOptions {
  hostIo: boolean;
}

interface DirectIo {
  input: Uint8Array;
  output: Uint8Array | null;
  memory: WasmMemory | null;
}

export async function createExtismEngine(
  module: WasmModule,
  rankBlob: Uint8Array,
  options: ExtismEngineOptions,
): Promise<TokenEngine> {
  const io: DirectIo = { input: new Uint8Array(0), output: null, memory: null };
  const memory = (): WasmMemory => {
    if (!io.memory) throw new Error("tokens: host function called before the plugin was ready");
    return io.memory;
  };
  const functions: NonNullable<ExtismPluginOptions["functions"]> = options.hostIo
    ? {
        "sluice:host": {
          input_length: () => io.input.byteLength,
          input_copy: (_context: unknown, dst: number) => {
            new Uint8Array(memory().buffer, dst, io.input.byteLength).set(io.input);
          },
          output_copy: (_context: unknown, src: number, len: number) => {
            io.output = new Uint8Array(memory().buffer, src, len).slice();
          },
        },
      }
    : {};
  const plugin: Plugin = await createPlugin(module as unknown as ManifestLike, { useWasi: false, runInWorker: false, functions });
  io.memory = (await plugin.getInstance()).exports.memory as unknown as WasmMemory;

  let calls = 0;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  async function callOnce(name: string, input: Uint8Array): Promise<Uint8Array> {
    if (calls > 0 && calls % RESET_EVERY === 0) await plugin.reset();
    if (calls > 0 && calls % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    calls++;
    if (options.hostIo) {
      io.input = input;
      io.output = null;
      try {
        await plugin.call(`${name}_direct`);
      } finally {
        io.input = new Uint8Array(0);
      }
      const output = io.output as Uint8Array | null;
      return output ?? new Uint8Array(0);
    }
    const output = await plugin.call(name, input);
    return output ? output.bytes() : new Uint8Array(0);
  }

  function serialised<T>(work: () => Promise<T>): Promise<T> {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  }

  await serialised(() => callOnce("init", rankBlob));

  // hostio copies from a view, so one scratch buffer is reused; plain Extism stores the whole
  // ArrayBuffer behind the Uint8Array it gets, so it needs an exact-size copy per call.
  let scratch = new Uint8Array(0);
  return {
    run(operation: BatchOperation, texts: readonly string[]): Promise<Uint8Array> {
      if (closed) return Promise.reject(new Error("tokens: tokenizer is closed"));
      return serialised(() => {
        if (!options.hostIo) return callOnce(operation, encodeBatch(texts));
        const bound = batchUpperBound(texts);
        if (scratch.byteLength < bound) scratch = new Uint8Array(Math.max(bound, scratch.byteLength * 2));
        const used = writeBatch(texts, scratch);
        return callOnce(operation, scratch.subarray(0, used));
      });
    },
    close(): Promise<void> {
      closed = true;
      return serialised(() => plugin.close());
    },
  };
}
