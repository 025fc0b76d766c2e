// Builds the draft of session 13's guard test set external-s13-llmail.jsonl (never trained on) from text transcribed
// into llmail-s13.json from three public repositories (read through a stored index of GitHub; this machine has no
// internet): attacker e-mails submitted to Microsoft's LLMail-Inject challenge (SaTML 2025: an LLM e-mail assistant
// summarises or answers about the user's e-mails; the attacker sends one e-mail that tries to make it call its
// send-e-mail tool to contact@contact.com with the body "confirmation"), and the challenge's own inbox e-mails.
// Provenance, licences and what was left out are in test/fixtures/guard/PROVENANCE.md.
// - injection: the jobs of KillAllTheHippies/LLMAILTEST's jobs_data.csv (one team's submissions to the challenge),
//   subject and body joined as the challenge's conformal/utils.py format_email joins them for the model
//   ("Subject of the email: {subject}.   Body: {body}"). Exact repeats dropped; then near-identical submissions
//   (a team resubmitting small variants) are grouped by the folder's word 6-gram containment (shingles.mjs, either
//   direction) at >= 50 %: the rows are taken in a seeded order, each joins the first group whose first row it
//   matches, and at most 3 rows of a group are kept (the first 3 in that order). Never chosen by score or outcome.
// - benign: the challenge's inbox e-mails (src/agent/data/level2.json, scenario 2's ten-e-mail inbox) and its
//   false-positive test e-mails (src/agent/data/fp_tests.json), already in format_email's form; the same grouping.
// The near-copy screen (guard-near-copies-s11.mjs, the same measure, 20 % against every other file) then writes the
// fixture:
//   node policy-wasm/guard/train/data/llmail-s13.mjs
//   node policy-wasm/guard/train/data/guard-near-copies-s11.mjs external-s13-llmail.draft.jsonl external-s13-llmail.jsonl && rm test/fixtures/guard/external-s13-llmail.draft.jsonl
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "../../../../dist/test/support/seeded-random.js";
import { eitherWay, FIXTURES as OUT, pct, withShingles } from "./shingles.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const data = JSON.parse(readFileSync(join(HERE, "llmail-s13.json"), "utf8"));
const SEED = 13;
const SAME = 0.5; // near-identical: at least half of one row's 6-gram shingles lie in the other
const PER_GROUP = 3;
const MAX_ATTACKS = 200;

// The project's one seeded PRNG (mulberry32), as built by `npm run build`: the draft is the same on every run.
const random = seededRandom(SEED);
const shuffled = (list) => {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
  return a;
};
const formatEmail = (subject, body) => `Subject of the email: ${subject}.   Body: ${body}`;

/** Groups near-identical rows (seeded order, first-row leaders) and keeps at most PER_GROUP of each. */
function thin(rows) {
  const groups = [];
  for (const r of shuffled(rows).map(withShingles)) {
    const g = groups.find((x) => eitherWay(r, x[0]) >= SAME);
    if (g) g.push(r); else groups.push([r]);
  }
  const kept = groups.flatMap((g) => g.slice(0, PER_GROUP));
  const sizes = groups.map((g) => g.length).sort((a, b) => b - a);
  return { kept, groups: groups.length, sizes };
}

const jobs = data.attacks.jobs;
const distinct = jobs.filter((j) => !j.same);
const seen = new Set();
const attackRows = [];
for (const j of distinct) {
  const text = formatEmail(j.subject, j.body);
  if (seen.has(text)) continue;
  seen.add(text);
  attackRows.push({
    text, label: "injection", source: data.attacks.source,
    subtype: `llmail_scenario${j.scenario.match(/^level(\d)/)[1]}`, category: j.scenario,
    note: `job ${j.id} (level ${j.scenario}), subject and body joined as the challenge's format_email joins them`,
  });
}
const benignRows = [
  ...data.inbox.emails.map((text, i) => ({ text, label: "benign", source: data.inbox.source, subtype: "inbox_email", category: "scenario2_inbox", note: `emails[${i}], the challenge's inbox e-mail (format_email form)` })),
  ...data.fpTests.emails.map((text, i) => ({ text, label: "benign", source: data.fpTests.source, subtype: "fp_test_email", category: "fp_tests", note: `emails[${i}], the challenge's false-positive test e-mail (format_email form)` })),
];

const a = thin(attackRows), b = thin(benignRows);
const attacks = a.kept.slice(0, MAX_ATTACKS);
const out = [...attacks, ...b.kept].map(({ w, sh, ...r }) => r);
for (const r of out) if (Buffer.byteLength(r.text) > 8192) throw new Error("row over 8 KB");
writeFileSync(join(OUT, "external-s13-llmail.draft.jsonl"), out.map((r) => JSON.stringify(r)).join("\n") + "\n");
console.log(`jobs read ${jobs.length}: ${jobs.length - distinct.length} exact repeats, ${attackRows.length} distinct attacker e-mails`);
console.log(`attacks: ${a.groups} near-identical groups (>= ${pct(SAME)}; largest ${a.sizes.slice(0, 8).join(", ")}), kept ${attacks.length} (at most ${PER_GROUP} a group)`);
console.log(`benign: ${benignRows.length} e-mails, ${b.groups} groups (largest ${b.sizes.slice(0, 4).join(", ")}), kept ${b.kept.length}`);
const longest = Math.max(...out.map((r) => Buffer.byteLength(r.text)));
console.log(`external-s13-llmail draft: ${out.length} rows (${attacks.length} injection, ${b.kept.length} benign); longest ${longest} bytes`);
