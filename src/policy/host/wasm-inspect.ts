// Reads what the host must check before running a module, straight from the binary: exports,
// imports, and the memory limits (the WebAssembly JS API does not expose a module's declared
// maximum memory). Only the import, memory and export sections are decoded.

interface WasmImport { module: string; name: string; kind: number }
export interface WasmModuleInfo {
  exports: string[];
  imports: WasmImport[];
  /** Declared maximum of the (first) memory in 64 KiB pages; null when unbounded or absent. */
  memoryMaxPages: number | null;
  hasMemory: boolean;
}

class WasmFormatError extends Error {
  override name = "WasmFormatError";
}

const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const SECTION_EXPORT = 7;
const KIND_MEMORY = 2;

class Reader {
  constructor(readonly bytes: Uint8Array, public pos = 0) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new WasmFormatError("wasm: truncated module");
    return this.bytes[this.pos++] as number;
  }
  leb(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new WasmFormatError("wasm: bad LEB128");
    }
  }
  name(): string {
    const len = this.leb();
    const end = this.pos + len;
    if (end > this.bytes.length) throw new WasmFormatError("wasm: truncated name");
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, end));
    this.pos = end;
    return text;
  }
  limits(): { max: number | null } {
    const flags = this.byte();
    this.leb();
    return { max: flags & 1 ? this.leb() : null };
  }
}

export function inspectWasm(bytes: Uint8Array): WasmModuleInfo {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmFormatError("wasm: not a WebAssembly module (bad magic)");
  }
  const info: WasmModuleInfo = { exports: [], imports: [], memoryMaxPages: null, hasMemory: false };
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.leb();
    const end = r.pos + size;
    if (end > bytes.length) throw new WasmFormatError("wasm: section runs past the end");
    if (id === SECTION_IMPORT) {
      for (let n = r.leb(); n > 0; n--) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        info.imports.push({ module, name, kind });
        if (kind === 0) r.leb();
        else if (kind === 1) { r.byte(); r.limits(); }
        else if (kind === KIND_MEMORY) recordMemory(info, r.limits().max);
        else if (kind === 3) { r.byte(); r.byte(); }
        else if (kind === 4) { r.byte(); r.leb(); }
        else throw new WasmFormatError(`wasm: unknown import kind ${kind}`);
      }
    } else if (id === SECTION_MEMORY) {
      for (let n = r.leb(); n > 0; n--) recordMemory(info, r.limits().max);
    } else if (id === SECTION_EXPORT) {
      for (let n = r.leb(); n > 0; n--) {
        info.exports.push(r.name());
        r.byte();
        r.leb();
      }
    }
    r.pos = end;
  }
  return info;
}

function recordMemory(info: WasmModuleInfo, max: number | null): void {
  if (info.hasMemory) return;
  info.hasMemory = true;
  info.memoryMaxPages = max;
}
