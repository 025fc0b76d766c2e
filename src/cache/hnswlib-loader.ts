import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Which hnswlib-node binary the index uses.
 *
 * hnswlib picks its SIMD distance code at COMPILE time (`__SSE__` / `__AVX__` / `__AVX512F__` in
 * hnswlib.h), and hnswlib-node's binding.gyp passes no `-march`, so npm's build runs the SSE code
 * even on an AVX-512 CPU. `scripts/native-hnswlib.mjs` (the postinstall step) compiles a second
 * copy with `-O3 -march=native` into `node_modules/hnswlib-node/sluice-native/` and writes
 * `build.json` next to it (the CPU flags it was compiled on, the hnswlib-node version); npm's
 * portable build is never touched. This loader takes the native copy only when that record
 * matches this process (same hnswlib-node version, platform and arch, and every CPU flag of the
 * build machine present here: a node_modules copied to an older CPU must not die of SIGILL), and
 * falls back to the portable build otherwise, or when `SLUICE_HNSWLIB=portable`.
 */
type HnswlibModule = typeof import("hnswlib-node");

export interface HnswlibBinding {
  lib: HnswlibModule;
  build: "native" | "portable";
  /**
   * The native copy's `addPointsParallel` (scripts/hnswlib-add-points.inc.cc): one graph built
   * on several threads. False with npm's build (and a native copy built without it).
   */
  parallelAdd: boolean;
  /** Human-readable: the flags of the native build, or why the portable one was taken. */
  detail: string;
}

interface NativeRecord {
  hnswlibVersion: string;
  platform: string;
  arch: string;
  cxxflags: string;
  cpuFlags: string[];
  simd?: string;
}

let loaded: HnswlibBinding | undefined;

export function loadHnswlib(): HnswlibBinding {
  loaded ??= load();
  return loaded;
}

function load(): HnswlibBinding {
  const require = createRequire(import.meta.url);
  const portable = (why: string): HnswlibBinding => ({ lib: require("hnswlib-node") as HnswlibModule, build: "portable", parallelAdd: false, detail: why });
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve("hnswlib-node/package.json"));
  } catch {
    return portable("hnswlib-node/package.json not resolvable");
  }
  const choice = chooseHnswlibBuild(pkgDir);
  if (choice.build === "portable") return portable(choice.detail);
  try {
    const lib = require(choice.addon) as HnswlibModule;
    if (typeof lib.HierarchicalNSW !== "function") return portable("native build does not export HierarchicalNSW");
    const parallelAdd = typeof (lib.HierarchicalNSW.prototype as Partial<ParallelAdd>).addPointsParallel === "function";
    return { lib, build: "native", parallelAdd, detail: `${choice.detail}${parallelAdd ? ", addPointsParallel" : ""}` };
  } catch (err) {
    return portable(`native build unusable: ${(err as Error).message}`);
  }
}

/** What scripts/hnswlib-add-points.inc.cc adds to HierarchicalNSW in the native copy. */
export interface ParallelAdd {
  /** Inserts labels.length points (`points` holds them back to back) on up to `threads` threads. */
  addPointsParallel(points: Float32Array, labels: Uint32Array, threads: number, replaceDeleted?: boolean): void;
}

export type HnswlibChoice = { build: "native"; addon: string; detail: string } | { build: "portable"; detail: string };

/**
 * The decision alone (no loading): the native addon under `pkgDir/sluice-native/` when its
 * build record matches this process and CPU, else the portable build, with the reason.
 */
export function chooseHnswlibBuild(
  pkgDir: string,
  env: NodeJS.ProcessEnv = process.env,
  here: Set<string> = cpuFlags(),
  platform: string = process.platform,
  arch: string = process.arch,
): HnswlibChoice {
  if (env.SLUICE_HNSWLIB === "portable") return { build: "portable", detail: "SLUICE_HNSWLIB=portable" };
  const dir = join(pkgDir, "sluice-native");
  const recordFile = join(dir, "build.json");
  const addon = join(dir, "addon.node");
  if (!existsSync(recordFile) || !existsSync(addon)) return { build: "portable", detail: "no native build (scripts/native-hnswlib.mjs)" };
  try {
    const record = JSON.parse(readFileSync(recordFile, "utf8")) as NativeRecord;
    const version = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string }).version;
    if (record.hnswlibVersion !== version) return { build: "portable", detail: `native build is for hnswlib-node ${record.hnswlibVersion}, installed ${version}` };
    if (record.platform !== platform || record.arch !== arch) return { build: "portable", detail: "native build is for another platform" };
    if (!Array.isArray(record.cpuFlags) || record.cpuFlags.length === 0) return { build: "portable", detail: "native build record lists no CPU flags" };
    const missing = record.cpuFlags.filter((f) => !here.has(f));
    if (here.size === 0 || missing.length > 0) {
      return { build: "portable", detail: `native build needs CPU flags this CPU lacks: ${missing.slice(0, 5).join(" ") || "(CPU flags unknown)"}` };
    }
    return { build: "native", addon, detail: `${record.cxxflags}${record.simd ? `, ${record.simd}` : ""}` };
  } catch (err) {
    return { build: "portable", detail: `native build record unreadable: ${(err as Error).message}` };
  }
}

/** The CPU feature flags of this machine (Linux: /proc/cpuinfo); empty when unknown. */
export function cpuFlags(): Set<string> {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => /^(flags|Features)\s*:/.test(l));
    return new Set(line ? line.replace(/^[^:]*:/, "").trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}
