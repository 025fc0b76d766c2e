import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS, testPolicyModule, type SlotName } from "../../policy/index.js";
import { ADMIN_OPTIONS_HELP, adminClient, adminOptions } from "../admin-client.js";

export const policyCommand: Command = {
  name: "policy",
  summary: "test, push, list and roll back WASM policy modules",
  help: `usage:
  sluice policy test SLOT FILE.wasm
      Runs a module against the slot's checks and conformance vectors, locally (no gateway):
      exports, ABI version, memory cap, expected outputs, a time limit. Exit 1 with the reasons
      when it fails.
  sluice policy push SLOT FILE.wasm [--note TEXT]
      Validates, stores and activates the module in a running gateway (every replica, with Redis).
  sluice policy list SLOT
  sluice policy rollback SLOT [--version N]
      Activates version N, or the one active before the current one.

SLOT: pii, guard, router, tokens (the slots configured under policies in the config)

admin options (push, list, rollback):
${ADMIN_OPTIONS_HELP}`,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...adminOptions, note: { type: "string" }, version: { type: "string" } },
    });
    const [sub, slot, file] = positionals;
    if (!sub || !slot || !(slot in SLOT_DEFINITIONS)) {
      io.stderr.write("usage: sluice policy test|push|list|rollback SLOT ...   (sluice policy --help)\n");
      return 2;
    }
    const name = slot as SlotName;
    if (sub === "test") {
      if (!file) return usage(io);
      const result = await testPolicyModule(SLOT_DEFINITIONS[name], DEFAULT_SLOT_CONFIG[name], new Uint8Array(await readFile(file)));
      if (result.ok) {
        io.stdout.write(`${file}: ok for slot ${name} (exports, ABI, memory cap, conformance vectors)\n`);
        return 0;
      }
      io.stderr.write(`${file}: rejected for slot ${name}:\n${result.problems.map((p) => `  - ${p}`).join("\n")}\n`);
      return 1;
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
  io.stderr.write("usage: sluice policy test|push|list|rollback SLOT ...   (sluice policy --help)\n");
  return 2;
}
