import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Command, CommandIO } from "../command.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS, testPolicyModule, type SlotName } from "../../policy/index.js";
import { ADMIN_OPTIONS_HELP, adminClient, adminOptions } from "../admin-client.js";
import { loadCases, type CaseVector } from "../policy-author/cases.js";
import { scaffoldModule } from "../policy-author/scaffold.js";
import { readModuleSettings } from "../policy-author/settings.js";

export const policyCommand: Command = {
  help: `usage:
  sluice policy new SLOT DIR
      Makes a module folder for the slot: index.ts (a small working rule, AssemblyScript, with
      the SDK policy-wasm/sdk), cases.json (your test cases), sluice-policy.json (build settings).
  sluice policy build DIR
      Compiles DIR's module with the right flags: DIR/build/SLOT.wasm (release, plain I/O: the
      one to push), SLOT-hostio.wasm (one-copy sluice:host I/O, trusted slots) and
      SLOT.debug.wasm (assertions on). Prints the path of SLOT.wasm.
  sluice policy test DIR
      Tests DIR's built modules: the slot's checks and conformance vectors, then the cases of
      DIR/cases.json (on every build, the debug one included).
  sluice policy test SLOT FILE.wasm [--cases FILE.json]
      Runs a module against the slot's checks and conformance vectors, locally (no gateway):
      exports, ABI version, memory cap, expected outputs, a time limit, then the cases of
      FILE.json if given. Exit 1 with the reasons when it fails.
  sluice policy push SLOT FILE.wasm [--note TEXT]
      Validates, stores and activates the module in a running gateway (every replica, with Redis).
  sluice policy list SLOT
  sluice policy rollback SLOT [--version N]
      Activates version N, or the one active before the current one.

SLOT: pii, guard, router, tokens (the slots configured under policies in the config)
Cases (cases.json): [ { "name", "input": <the slot's input message, proto JSON>,
  "expect": <fields of its output message that must have these values> } ]

admin options (push, list, rollback):
${ADMIN_OPTIONS_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...adminOptions, note: { type: "string" }, version: { type: "string" }, cases: { type: "string" } },
    });
    const [sub, slot, file] = positionals;
    if (sub === "new") {
      if (!slot || !(slot in SLOT_DEFINITIONS) || !file) return usage(io);
      const files = scaffoldModule(slot as SlotName, file);
      io.stdout.write(`made ${file}/ for slot ${slot}: ${files.join(", ")}\nnext: edit ${join(file, "index.ts")}, then \`sluice policy build ${file}\`\n`);
      return 0;
    }
    if (sub === "build") {
      if (!slot) return usage(io);
      // loaded here: the compiler (assemblyscript, binaryen) is large, and no other command needs it
      const { buildPolicyModule } = await import("../policy-author/build.js");
      const built = await buildPolicyModule(slot, io.stderr);
      io.stderr.write(`built ${built.release}, ${built.hostio}, ${built.debug} in ${built.seconds.toFixed(1)} s\n`);
      io.stdout.write(`${built.release}\n`);
      return 0;
    }
    if (sub === "test" && slot && !file && isModuleFolder(slot)) return testFolder(slot, io);
    if (!sub || !slot || !(slot in SLOT_DEFINITIONS)) return usage(io);
    const name = slot as SlotName;
    if (sub === "test") {
      if (!file) return usage(io);
      const cases = values.cases ? loadCases(name, values.cases) : [];
      return (await testModuleFile(name, file, cases, io)) ? 0 : 1;
    }
    const { client, headers } = adminClient(values);
    if (sub === "push") {
      if (!file) return usage(io);
      const res = await client.pushPolicy({ slot: name, module: new Uint8Array(await readFile(file)), note: values.note ?? "" }, { headers });
      io.stdout.write(`pushed ${name} version ${res.version?.version} (sha256 ${res.version?.sha256}); active now\n`);
      return 0;
    }
    if (sub === "list") {
      const res = await client.listPolicies({ slot: name }, { headers });
      io.stdout.write(`active: ${res.activeVersion || "built-in"}\n`);
      for (const v of res.versions) io.stdout.write(`${v.version}\t${v.sha256.slice(0, 16)}\t${v.size} B\t${v.createdAt}\t${v.note}\n`);
      return 0;
    }
    if (sub === "rollback") {
      const res = await client.rollbackPolicy({ slot: name, version: values.version ? Number(values.version) : 0 }, { headers });
      io.stdout.write(`${name}: version ${res.activation?.version} active since ${res.activation?.activatedAt}\n`);
      return 0;
    }
    return usage(io);
  },
};

function usage(io: { stderr: NodeJS.WritableStream }): number {
  io.stderr.write("usage: sluice policy new|build|test|push|list|rollback ...   (sluice policy --help)\n");
  return 2;
}

function isModuleFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** The slot's checks and conformance vectors, then `cases`, on one module file; prints the outcome. */
async function testModuleFile(slot: SlotName, file: string, cases: CaseVector[], io: CommandIO): Promise<boolean> {
  const def = SLOT_DEFINITIONS[slot];
  const result = await testPolicyModule({ ...def, conformance: [...def.conformance, ...cases] }, DEFAULT_SLOT_CONFIG[slot], new Uint8Array(await readFile(file)));
  const what = cases.length > 0 ? `conformance vectors, ${cases.length} case(s)` : "conformance vectors";
  if (result.ok) {
    io.stdout.write(`${file}: ok for slot ${slot} (exports, ABI, memory cap, ${what})\n`);
    return true;
  }
  io.stderr.write(`${file}: rejected for slot ${slot}:\n${result.problems.map((p) => `  - ${p}`).join("\n")}\n`);
  return false;
}

/** `sluice policy test DIR`: every build of the module in DIR, with DIR's cases. */
async function testFolder(dir: string, io: CommandIO): Promise<number> {
  const settings = readModuleSettings(dir);
  const casesPath = join(dir, settings.cases);
  const cases = existsSync(casesPath) ? loadCases(settings.slot, casesPath) : [];
  const builds = [`${settings.slot}.wasm`, `${settings.slot}-hostio.wasm`, `${settings.slot}.debug.wasm`].map((f) => join(dir, "build", f));
  const missing = builds.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`${missing.join(", ")} not built: run \`sluice policy build ${dir}\` first`);
  let ok = true;
  for (const file of builds) ok = (await testModuleFile(settings.slot, file, cases, io)) && ok;
  return ok ? 0 : 1;
}
