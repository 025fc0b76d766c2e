// Builds the drafts of session 11's guard fixtures from text transcribed from the public repositories they
// name (read through a stored index of GitHub; this machine has no internet); provenance, licences and the
// construction are in test/fixtures/guard/PROVENANCE.md. The near-copy screen
// (policy-wasm/guard/train/data/guard-near-copies-s11.mjs) then writes the fixture from the draft, and the draft is deleted.
// - external: external-s11.draft.jsonl, a test set never trained on: AgentDojo's prompt-injection tasks,
//   attack templates and environments (agentdojo-s11.mjs).
// - public: public-s11.draft.jsonl, training rows from other sources (policy-wasm/guard/train/data/guard-data-s11-public.json):
//   JailbreakBench's PAIR jailbreak prompts (injection: the artifact's submitted jailbreak prompts) and
//   natural-instructions task requests (benign).
//   node policy-wasm/guard/train/data/guard-data-s11.mjs external|public
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { agentDojoRows } from "./agentdojo-s11.mjs";
import { FIXTURES as OUT } from "./shingles.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const MODE = process.argv[2];
if (MODE !== "external" && MODE !== "public") throw new Error("usage: node policy-wasm/guard/train/data/guard-data-s11.mjs external|public");

const rows = [];
const add = (text, label, source, subtype, note) => rows.push({ text, label, source, subtype, note });
if (MODE === "external") agentDojoRows(add);
else buildPublic();

function buildPublic() {
  const data = JSON.parse(readFileSync(join(HERE, "guard-data-s11-public.json"), "utf8"));
  const jbb = "JailbreakBench/artifacts@1b8eaeb1d718:attack-artifacts/PAIR/black_box/gpt-4-0125-preview.json";
  for (const { index, prompt } of data.pair) add(prompt, "injection", jbb, "jailbreakbench_pair", `jailbreaks[${index}].prompt (PAIR, target gpt-4-0125-preview)`);
  for (const t of data.naturalInstructions) {
    t.inputs.forEach((input, i) => add(`${t.Definition}\n\n${input}`, "benign", `allenai/natural-instructions@${t.commit}:tasks/${t.task}.json`, "natural_instructions", `Definition + Instances[${i}].input`));
  }
}

const seen = new Set();
const out = rows.filter((r) => (seen.has(r.text) ? false : (seen.add(r.text), true)));
for (const r of out) if (Buffer.byteLength(r.text) > 8192) throw new Error("row over 8 KB");
writeFileSync(join(OUT, `${MODE}-s11.draft.jsonl`), out.map((r) => JSON.stringify(r)).join("\n") + "\n");
const count = (l) => out.filter((r) => r.label === l).length;
console.log(`${MODE}-s11 draft: ${out.length} rows (${count("injection")} injection, ${count("benign")} benign; ${rows.length - out.length} exact duplicates dropped)`);
