// Builds the drafts of session 14's guard fixtures from public datasets transcribed from copies in public GitHub
// repositories (read through a stored index of GitHub; this machine has no internet). Provenance and licences:
// test/fixtures/guard/PROVENANCE.md.
// - jailbreak-classification-s14.txt: rows of the Hugging Face dataset jackhhao/jailbreak-classification (jailbreak
//   prompts from verazuo/jailbreak_llms, benign prompts from OpenOrca and GPTeacher), from the copy its author keeps in
//   jackhhao/llm-warden (MIT). Its train split goes to public-s14 (training rows), its test split to external-s14 (a
//   test set, never trained on). Labels: the dataset's `type` column (jailbreak -> injection, benign -> benign).
// - deepset-s14.jsonl: the first 250 rows of deepset/prompt-injections' train split (Apache-2.0; English questions and
//   keyword searches, injections, and their German translations), text and label as the copy in
//   M-Abrisham/AI-Prompt-Injection-Detector benchmarks/results/bm1/bench_deepset_samples.jsonl holds them (its benchmark
//   run over the split, in the split's order; only `text` and `ground_truth` transcribed). Labels: the dataset's
//   (1 -> injection, 0 -> benign). To public-s14. deepset's test split was not found in the index read.
// Labels are the sources' own, decided before any scoring.
// - rows of more than 1,500 characters are left out (a rule set before reading, for transcription time; applies to
//   both labels); exact repeats within a split dropped; no row over 8 KB.
// The near-copy screen (guard-near-copies-s11.mjs, word 6-gram containment >= 20 % either way against every other file
// of the folder, the external sets and held-out rows included) then writes the fixtures, the training file first so
// that the test split is screened against it too:
//   node policy-wasm/guard/train/data/public-s14.mjs
//   node policy-wasm/guard/train/data/guard-near-copies-s11.mjs public-s14.draft.jsonl public-s14.jsonl external-s14.draft.jsonl external-s14.jsonl
//   node policy-wasm/guard/train/data/guard-near-copies-s11.mjs external-s14.draft.jsonl external-s14.jsonl public-s14.draft.jsonl
//   rm test/fixtures/guard/public-s14.draft.jsonl test/fixtures/guard/external-s14.draft.jsonl
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FIXTURES as OUT } from "./shingles.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = "jackhhao/llm-warden@56f7618f06305e4822407adf5e87bb9f00d5bec3";
const FILES = {
  train: "datasets/balanced/jailbreak_dataset_train_balanced.csv",
  test: "datasets/balanced/jailbreak_dataset_test_balanced.csv",
};
const CAP = 1500;
const DEEPSET = "M-Abrisham/AI-Prompt-Injection-Detector@6d3c8b8217d1e435bcafc77ca958b2f952d77afe:benchmarks/results/bm1/bench_deepset_samples.jsonl";
const MARK = /^#S14 split=(train|test) row=(\d+) label=(jailbreak|benign)( skipped=over-cap)?$/;

const lines = readFileSync(join(HERE, "jailbreak-classification-s14.txt"), "utf8").split("\n");
if (lines.at(-1) === "") lines.pop(); // the file's final newline
const records = [];
let cur = null;
for (const line of lines) {
  const m = MARK.exec(line);
  if (m) {
    cur = { split: m[1], row: Number(m[2]), type: m[3], skipped: Boolean(m[4]), lines: [] };
    records.push(cur);
  } else if (cur) cur.lines.push(line);
  else if (!line.startsWith("# ") && line !== "#") throw new Error(`text before the first record: ${line.slice(0, 40)}`);
}

for (const split of ["train", "test"]) {
  const rs = records.filter((r) => r.split === split);
  rs.forEach((r, i) => { if (r.row !== i + 1) throw new Error(`${split}: row ${r.row} out of order`); });
  const seen = new Set();
  const out = [];
  const deepset = split === "train" ? readFileSync(join(HERE, "deepset-s14.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)) : [];
  let overCap = 0, repeats = 0;
  for (const r of rs) {
    if (r.skipped) { if (r.lines.length) throw new Error(`${split} row ${r.row}: skipped but has text`); overCap++; continue; }
    const text = r.lines.join("\n");
    if (text.length > CAP) { overCap++; continue; }
    if (seen.has(text)) { repeats++; continue; }
    seen.add(text);
    if (Buffer.byteLength(text) > 8192) throw new Error("row over 8 KB");
    out.push({
      text, label: r.type === "jailbreak" ? "injection" : "benign", source: `${REPO}:${FILES[split]}`,
      subtype: r.type === "jailbreak" ? "jailbreak_prompt" : "benign_prompt", category: `jailbreak-classification_${split}`,
      note: `data row ${r.row} of the CSV (rows numbered from 1 after the header, in file order); the dataset's type: ${r.type}`,
    });
  }
  let deepsetKept = 0;
  deepset.forEach((d, i) => {
    if (d.text.length > CAP) { overCap++; return; }
    if (seen.has(d.text)) { repeats++; return; }
    seen.add(d.text);
    deepsetKept++;
    out.push({
      text: d.text, label: d.ground_truth === 1 ? "injection" : "benign", source: DEEPSET,
      subtype: d.ground_truth === 1 ? "deepset_injection" : "deepset_legit", category: "deepset_prompt-injections_train",
      note: `deepset/prompt-injections train row ${i} (the copy's line ${i + 1}); the dataset's label: ${d.ground_truth}`,
    });
  });
  if (deepset.length) console.log(`deepset train rows read ${deepset.length}, kept ${deepsetKept} (${out.filter((r) => r.source === DEEPSET && r.label === "injection").length} injection)`);
  const name = split === "train" ? "public-s14.draft.jsonl" : "external-s14.draft.jsonl";
  writeFileSync(join(OUT, name), out.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const inj = out.filter((r) => r.label === "injection").length;
  console.log(`${split}: ${rs.length} jailbreak-classification rows read${deepset.length ? ` + ${deepset.length} deepset` : ""}; ${overCap} over ${CAP} characters, ${repeats} exact repeats left out; ${name}: ${out.length} (${inj} injection, ${out.length - inj} benign); longest ${Math.max(...out.map((r) => Buffer.byteLength(r.text)))} bytes`);
}
