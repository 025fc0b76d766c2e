// Validation before a module may serve: it parses, exports the slot's function and
// `abi_version`, imports nothing but the Extism kernel (and optionally `sluice:host`), declares a
// maximum memory within the slot's cap, and passes the slot's conformance vectors within a time
// limit. Plain modules run the vectors in an Extism worker, so a module that loops is stopped;
// `sluice:host` modules need module memory access, so theirs run on the main thread (trusted
// slots only). A slot with static data (SlotDefinition.init) has its init export called first.
import { runConformance } from "./conformance.js";
import type { SlotConfig, SlotDefinition } from "./definitions.js";
import { errorMessage, PolicyValidationError } from "./errors.js";
import { PolicyInstance, HOST_IO_NAMESPACE, usesHostIo } from "./instance.js";
import { inspectWasm, type WasmModuleInfo } from "./wasm-inspect.js";

const EXTISM_KERNEL = "extism:host/env";
/** Worker start-up is not the module's fault: it gets this on top of the per-vector limit. */
const WORKER_STARTUP_MS = 5_000;
/**
 * Conformance checks what a module answers, not how fast it answers on a busy machine: each
 * vector may take this many times the slot's per-call limit (a first call into a fresh instance,
 * on a machine busy with other work, went past a router slot's 50 ms in CI). Requests still get
 * the slot's own limit, and a module that never answers is still stopped.
 */
const CONFORMANCE_SLACK = 4;

function checkStatic(def: SlotDefinition, config: SlotConfig, bytes: Uint8Array): { info: WasmModuleInfo; reasons: string[] } {
  let info: WasmModuleInfo;
  try {
    info = inspectWasm(bytes);
  } catch (err) {
    return { info: { exports: [], imports: [], memoryMaxPages: null, hasMemory: false }, reasons: [(err as Error).message] };
  }
  const reasons: string[] = [];
  if (!info.exports.includes(def.exportName)) reasons.push(`missing export "${def.exportName}"`);
  if (!info.exports.includes("abi_version")) reasons.push('missing export "abi_version"');
  const init = config.init ?? def.init;
  if (init && !info.exports.includes(init.exportName)) reasons.push(`missing export "${init.exportName}"${config.init ? " (the slot's config needs it: pii custom recognizers)" : ""}`);
  // Other exports the slot's vectors call (tokens: `encode`): missing, they would only trap.
  for (const name of new Set(def.conformance.flatMap((v) => (v.exportName && v.exportName !== def.exportName ? [v.exportName] : [])))) {
    if (!info.exports.includes(name)) reasons.push(`missing export "${name}"`);
  }
  if (!info.hasMemory) reasons.push("module has no memory");
  else if (info.memoryMaxPages === null) reasons.push("memory has no declared maximum (build with --maximumMemory)");
  else if (info.memoryMaxPages > config.memoryCapPages) {
    reasons.push(`declared maximum memory ${info.memoryMaxPages} pages exceeds the slot cap of ${config.memoryCapPages}`);
  }
  const foreign = info.imports.filter((i) => i.module !== EXTISM_KERNEL && i.module !== HOST_IO_NAMESPACE);
  if (foreign.length > 0) reasons.push(`imports outside the sandbox: ${foreign.map((i) => `${i.module}.${i.name}`).join(", ")}`);
  if (usesHostIo(info) && !config.trusted) reasons.push("modules importing sluice:host can only fill a trusted slot");
  return { info, reasons };
}

/** Throws PolicyValidationError with every reason found; returns the module facts. */
export async function validateModule(def: SlotDefinition, config: SlotConfig, bytes: Uint8Array): Promise<WasmModuleInfo> {
  const { info, reasons } = checkStatic(def, config, bytes);
  if (reasons.length > 0) throw new PolicyValidationError(def.name, reasons);
  const hostIo = usesHostIo(info);
  // The slot's init (static data) runs when the instance is created, before the vectors.
  let instance: PolicyInstance;
  try {
    instance = await PolicyInstance.create({ bytes, info, untrusted: !hostIo, timeoutMs: config.timeoutMs * CONFORMANCE_SLACK, init: config.init ?? def.init });
  } catch (err) {
    if (!(config.init ?? def.init)) throw err;
    throw new PolicyValidationError(def.name, [`init: ${errorMessage(err)}`]);
  }
  try {
    let timer: NodeJS.Timeout | undefined;
    const budget = config.timeoutMs * CONFORMANCE_SLACK * (def.conformance.length + 1) + (hostIo ? 0 : WORKER_STARTUP_MS);
    const limit = new Promise<string[]>((resolve) => {
      timer = setTimeout(() => resolve([`conformance took longer than ${budget} ms`]), budget);
    });
    const problems = await Promise.race([runConformance(def, instance), limit]);
    clearTimeout(timer);
    if (problems.length > 0) throw new PolicyValidationError(def.name, problems);
  } finally {
    await instance.drainAndClose();
  }
  return info;
}

/** For `sluice policy test <slot> <file.wasm>`: every problem found, or none. */
export async function testPolicyModule(def: SlotDefinition, config: SlotConfig, bytes: Uint8Array): Promise<{ ok: boolean; problems: string[] }> {
  try {
    await validateModule(def, config, bytes);
    return { ok: true, problems: [] };
  } catch (err) {
    if (err instanceof PolicyValidationError) return { ok: false, problems: err.reasons };
    return { ok: false, problems: [errorMessage(err)] };
  }
}
