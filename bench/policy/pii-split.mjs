// Splits test/fixtures/pii/pii_cases.jsonl per entity type into a development part (70%) and a
// held-out part (30%) with a fixed seed, written to test/fixtures/pii/pii_split.json as row
// indices (0-based line numbers). Made once, before the detectors of issue 22 were written;
// re-running it gives the same split. Detectors are developed against `dev` only.
//   node bench/policy/pii-split.mjs
import { readFileSync, writeFileSync } from "node:fs";

const SEED = 22;
function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rows = readFileSync("test/fixtures/pii/pii_cases.jsonl", "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const byType = new Map();
rows.forEach((r, i) => { if (!byType.has(r.entity)) byType.set(r.entity, []); byType.get(r.entity).push(i); });
const random = mulberry32(SEED);
const dev = [], heldOut = [];
for (const type of [...byType.keys()].sort()) {
  const idx = byType.get(type);
  for (let k = idx.length - 1; k > 0; k--) { const j = Math.floor(random() * (k + 1)); [idx[k], idx[j]] = [idx[j], idx[k]]; }
  const held = Math.round(idx.length * 0.3);
  heldOut.push(...idx.slice(0, held)); dev.push(...idx.slice(held));
}
dev.sort((a, b) => a - b); heldOut.sort((a, b) => a - b);
writeFileSync("test/fixtures/pii/pii_split.json", JSON.stringify({ seed: SEED, heldOutShare: 0.3, dev, heldOut }) + "\n");
console.log(`dev ${dev.length} rows, held-out ${heldOut.length} rows`);
