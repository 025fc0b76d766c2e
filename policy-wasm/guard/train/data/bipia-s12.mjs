// Builds the draft of session 12's guard test set external-s12.jsonl (built as training rows; not trained on by the rule of bench/RESULTS.md, "Session 12") from text transcribed from microsoft/BIPIA (MIT;
// read through a stored index of GitHub, this machine has no internet) into bipia-s12.json: the EmailQA task's test
// contexts (benchmark/email/test.jsonl, 32 of its 50 lines: the distinct e-mails) and the 75 text attacks of
// benchmark/text_attack_test.json (15 categories of 5). Provenance, licences and what was left out are in
// test/fixtures/guard/PROVENANCE.md.
// - injection: a context with one attack inserted as BIPIA's bipia/data/utils.py inserts it: insert_end
//   ("\n".join([context, attack])), insert_start ("\n".join([attack, context])) or insert_middle (at the start of a
//   sentence drawn at random: "\n".join([context[:start], attack, context[start:]]); BIPIA finds the sentence starts
//   with NLTK's Punkt, approximated here by the starts after ". ", "? ", "! "). Every attack is used twice, in two
//   different e-mails and at two different positions, chosen by index and a seeded generator, never by score.
// - benign: every e-mail without the attack (the clean carrier of its injection rows) and the user's question about
//   it as BIPIA's EmailIPIABuilder sends it ("Question: {question}").
// The near-copy screen (guard-near-copies-s11.mjs, the same measure and threshold) then writes the fixture:
//   node policy-wasm/guard/train/data/bipia-s12.mjs
//   node policy-wasm/guard/train/data/guard-near-copies-s11.mjs external-s12.draft.jsonl external-s12.jsonl && rm test/fixtures/guard/external-s12.draft.jsonl
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "../../../../dist/test/support/seeded-random.js";
import { FIXTURES as OUT } from "./shingles.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const data = JSON.parse(readFileSync(join(HERE, "bipia-s12.json"), "utf8"));
const SEED = 12;

// The project's one seeded PRNG (mulberry32), as built by `npm run build`: the draft is the same on every run.
const random = seededRandom(SEED);

// BIPIA's three groups of text attacks (its paper: task-irrelevant, task-relevant, targeted).
const GROUP = {
  "Task Automation": "task_irrelevant", "Business Intelligence": "task_irrelevant", "Conversational Agent": "task_irrelevant",
  "Research Assistance": "task_irrelevant", "Sentiment Analysis": "task_irrelevant",
  "Substitution Ciphers": "task_relevant", "Base Encoding": "task_relevant", "Reverse Text": "task_relevant",
  "Emoji Substitution": "task_relevant", "Language Translation": "task_relevant",
  "Information Dissemination": "targeted", "Marketing & Advertising": "targeted", "Entertainment": "targeted",
  "Scams & Fraud": "targeted", "Misinformation & Propaganda": "targeted",
};

const sentenceStarts = (text) => {
  const starts = [text.search(/\S/)];
  for (const m of text.matchAll(/[.?!]["')\]]*\s+(?=\S)/g)) starts.push(m.index + m[0].length);
  return [...new Set(starts)];
};
const INSERT = {
  end: (context, attack) => [context, attack].join("\n"),
  start: (context, attack) => [attack, context].join("\n"),
  middle: (context, attack, starts) => {
    const start = starts[Math.floor(random() * starts.length)];
    return [context.slice(0, start), attack, context.slice(start)].join("\n");
  },
};
const POSITIONS = ["end", "start", "middle"];

const emails = data.emails.rows;
const attacks = Object.entries(data.textAttacks.categories).flatMap(([category, list]) => list.map((text, k) => ({ category, k, text })));
// The e-mails in a seeded order; use i of attack k is (pass p) at i = 75 p + k: e-mail order[i mod 32] (the two
// uses of an attack are 11 apart in that order) and position (k + p) mod 3 (never the same position twice).
const order = emails.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }

const rows = [];
const add = (text, label, source, subtype, category, note) => rows.push({ text, label, source, subtype, category, note });
const both = `${data.emails.source} + ${data.textAttacks.source}`;
for (let p = 0; p < 2; p++) {
  attacks.forEach((a, k) => {
    const i = p * attacks.length + k;
    const e = emails[order[i % emails.length]];
    const position = POSITIONS[(k + p) % 3];
    const text = INSERT[position](e.context, a.text, sentenceStarts(e.context));
    add(text, "injection", both, a.category, GROUP[a.category], `email test.jsonl line ${e.line} + text attack "${a.category}"[${a.k}], insert_${position}`);
  });
}
for (const e of emails) add(e.context, "benign", data.emails.source, "email_carrier", "carrier", `email test.jsonl line ${e.line}, context without an attack`);
for (const e of emails) add(`Question: ${e.question}`, "benign", data.emails.source, "email_question", "question", `email test.jsonl line ${e.line}, question as EmailIPIABuilder's user prompt`);

const seen = new Set();
const out = rows.filter((r) => (seen.has(r.text) ? false : (seen.add(r.text), true)));
for (const r of out) if (Buffer.byteLength(r.text) > 8192) throw new Error("row over 8 KB");
writeFileSync(join(OUT, "external-s12.draft.jsonl"), out.map((r) => JSON.stringify(r)).join("\n") + "\n");
const count = (l) => out.filter((r) => r.label === l).length;
console.log(`external-s12 draft: ${out.length} rows (${count("injection")} injection, ${count("benign")} benign; ${rows.length - out.length} exact duplicates within the draft dropped)`);
