// `sluice policy build <dir>`: compiles an author's module with the flags Sluice's own modules
// use, so an author never types an asc flag. Three builds of <dir>/<entry> into <dir>/build/:
//   <slot>.wasm         release (-O3, assertions compiled out), plain Extism I/O: loads in any
//                       slot, trusted or untrusted; what the walkthrough pushes
//   <slot>-hostio.wasm  release with one-copy `sluice:host` I/O (--use SLUICE_HOST_IO=1):
//                       faster, trusted slots only
//   <slot>.debug.wasm   assertions on, unoptimised: what `sluice policy test` runs the author's
//                       cases on, so a failed assert() traps there
// Imports of "@sluice/policy-sdk/..." resolve to the SDK shipped with this Sluice
// (policy-wasm/sdk: the ABI this gateway speaks), and "@sluice/policy-pii/..." to the shipped pii
// module's sources (its detectors); anything else resolves as asc does (node_modules).
import { mkdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve, sep } from "node:path";
import asc from "assemblyscript/asc";
import { policyWasmDir } from "./sdk-location.js";
import { readModuleSettings, type ModuleSettings } from "./settings.js";

/** Packages the build maps onto this Sluice's sources (folders of policy-wasm/). */
const PACKAGES: Record<string, string> = {
  "@sluice/policy-sdk": "sdk",
  "@sluice/policy-pii": "pii",
  "@sluice/policy-tokens": "tokens",
  // the shipped pii sources import the SDK by their relative path, which asc reads as this name
  "@sluice/sdk": "sdk",
};

/** asc flags every build gets: the stub runtime's bump allocator would keep every per-call
 *  allocation of an author's code until the memory cap; the incremental runtime frees them. */
function commonFlags(settings: ModuleSettings): string[] {
  return [
    "--runtime", "incremental",
    "--use", "abort=~lib/@sluice/policy-sdk/abort/policyAbort", // Extism provides no env.abort
    "--enable", "simd", // the SDK's text helpers (UTF-16 offsets) use v128
    "--maximumMemory", String(settings.maxMemoryPages), // the host checks it against the slot's cap
  ];
}

export interface BuildResult {
  slot: string;
  release: string;
  hostio: string;
  debug: string;
  seconds: number;
}

function mappedPath(full: string, sources: string): string | null {
  const parts = full.split(sep);
  const at = parts.lastIndexOf("node_modules");
  if (at < 0 || at + 3 > parts.length) return null;
  const folder = PACKAGES[`${parts[at + 1]}/${parts[at + 2]}`];
  return folder ? join(sources, folder, ...parts.slice(at + 3)) : null;
}

/** Builds the module in `dir` (its sluice-policy.json says the slot and entry); throws with the
 *  compiler's messages when it does not compile. */
export async function buildPolicyModule(dir: string, log: NodeJS.WritableStream): Promise<BuildResult> {
  const started = performance.now();
  const root = resolve(dir);
  const settings = readModuleSettings(root);
  const sources = policyWasmDir();
  const outDir = join(root, "build");
  mkdirSync(outDir, { recursive: true });
  const readFileMapped = async (name: string, baseDir: string): Promise<string | null> => {
    const full = resolve(baseDir, name);
    const mapped = mappedPath(full, sources);
    try {
      return mapped ? readFileSync(mapped, "utf8") : await readFile(full, "utf8");
    } catch {
      return null;
    }
  };
  const out = (name: string) => join(outDir, name);
  const targets = [
    { file: out(`${settings.slot}.wasm`), flags: ["-O3", "--noAssert"] },
    { file: out(`${settings.slot}-hostio.wasm`), flags: ["-O3", "--noAssert", "--use", "SLUICE_HOST_IO=1"] },
    { file: out(`${settings.slot}.debug.wasm`), flags: ["--debug"] },
  ];
  for (const target of targets) {
    let messages = "";
    const sink = { write: (chunk: string | Uint8Array) => ((messages += String(chunk)), true) } as unknown as NodeJS.WritableStream;
    const args = [join(root, settings.entry), "--outFile", target.file, ...commonFlags(settings), ...target.flags];
    const { error } = await asc.main(args, { stdout: sink, stderr: sink, readFile: readFileMapped });
    if (error) throw new Error(`${settings.entry} does not compile (${error.message}):\n${messages.trim()}`);
    if (messages.trim()) log.write(messages);
  }
  // the paths as the author named the folder (relative stays relative)
  const shown = (file: string) => join(dir, "build", basename(file));
  return {
    slot: settings.slot,
    release: shown(targets[0]!.file),
    hostio: shown(targets[1]!.file),
    debug: shown(targets[2]!.file),
    seconds: (performance.now() - started) / 1000,
  };
}
