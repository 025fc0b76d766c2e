// Benchmark inputs: the shared corpus and big file (from test/fixtures/tokens), a typical chat
// request, and seeded pathological texts. Every generated input comes from a fixed seed.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "../../test/support/seeded-random.js";

/** The repository root, whether this runs from bench/tokens or dist/bench/tokens. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "test"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("bench: cannot find the repository root");
    dir = parent;
  }
  return dir;
}

const FIXTURES = join(repoRoot(), "test", "fixtures", "tokens");

export function corpusTexts(): string[] {
  return readFileSync(join(FIXTURES, "tokens.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { text: string }).text);
}

export function bigFileText(): string {
  return readFileSync(join(FIXTURES, "tokens_big.txt"), "utf8");
}

/**
 * A typical ~2 KB chat request as the slot sees it: the message contents as one batch
 * (system prompt, a few turns, a code snippet), built from corpus prose with a fixed seed.
 */
export function chatRequestTexts(): string[] {
  const random = seededRandom(7);
  const prose = corpusTexts().filter((text) => text.length > 150 && text.length < 700);
  const pick = () => prose[Math.floor(random() * prose.length)] as string;
  const messages = [
    "You are a helpful assistant for a developer tools company. Answer concisely, cite the docs you used, and say when you are unsure.",
    pick(),
    pick(),
    "Here is my code:\n```ts\nconst result = await client.chat.completions.create({ model: \"gpt-4o-mini\", messages });\nconsole.log(result.choices[0]?.message.content);\n```\nWhy does it print undefined?",
    pick(),
  ];
  let bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(m), 0);
  while (bytes < 2048) {
    const more = pick();
    messages.push(more);
    bytes += Buffer.byteLength(more);
  }
  return messages;
}

/** 1 MB-class text without a single space: random letters, digits and punctuation. */
export function noSpaces(bytes: number, seed: number): string {
  const random = seededRandom(seed);
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+";
  let out = "";
  for (let i = 0; i < bytes; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/** Code points from many scripts (and marks, digits, emoji) interleaved with no spaces. */
export function mixedScripts(bytes: number, seed: number): string {
  const random = seededRandom(seed);
  const pools = ["abcXYZ", "абвЖЩЯ", "αβγΣΩ", "日本語中文字", "한국어", "عربية", "עברית", "हिन्दी", "0123٤٥٦", "\u0301\u0308", "😀👍🏽🇯🇵", "ǅǈʰ", "!?.,;"];
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const pool = Array.from(pools[Math.floor(random() * pools.length)] as string);
    const ch = pool[Math.floor(random() * pool.length)] as string;
    parts.push(ch);
    size += Buffer.byteLength(ch);
  }
  return parts.join("");
}

export function utf8Bytes(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
}
