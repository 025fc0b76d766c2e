// Seeded generators of hostile text for the parity tests against the reference bindings.
import { seededRandom } from "../../support/seeded-random.js";

/** Every Unicode White_Space code point, plus the ones JavaScript's \s disagrees on. */
const WHITESPACE = [
  "\t", "\n", "\u000b", "\f", "\r", " ", "\u0085", "\u00a0", "\u1680", "\u2000", "\u2001", "\u2002",
  "\u2003", "\u2004", "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200a", "\u2028", "\u2029",
  "\u202f", "\u205f", "\u3000",
  "\ufeff", "\u180e", "\u200b", "\u001c", "\u001f", // \s in JS or Python but not White_Space
];
const WORDS = [
  "the", "The", "THE", "don't", "DON'T", "we'LL", "it'S", "you're", "I'm", "they'Ve", "'d", "'ſ", "'K",
  "naïve", "Straße", "ǅemal", "ǈudevit", "ʰʲ", "İstanbul", "ıi", "ΣΊΣΥΦΟΣ", "σοφία", "Москва",
  "日本語", "한국어", "עברית", "العربية", "हिन्दी", "ไทย", "𝓗𝓮𝓵𝓵𝓸", "𐐀𐐨", "a\u0301", "e\u0308\u0301",
  "getHTTPResponseCode", "XMLHttpRequest", "snake_case_name", "CamelCase", "ABCdef", "AbC",
  "12345678", "3.14159", "١٢٣٤", "²³", "Ⅻ", "½", "0x1F", "1,000,000",
  "https://example.com/a/b?c=d", "a/b//c///", "path/to/file.ts\n", "</div>", "{\"a\":[1,2]}",
  "<|endoftext|>", "<|fim_prefix|>", "...", "—", "…", "!!!", "?!", "'''", "\"\"\"", "##", "\\n",
];
const EMOJI = [
  "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇸", "🇯🇵", "❤️", "✊🏿", "🧑🏻‍💻", "1️⃣", "©️", "🫠", "\u200d", "\ufe0f",
];
const LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\udc00\ud800", "a\ud83d", "\ude00b"];

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomCodePoint(random: Random): string {
  const r = random();
  let cp: number;
  if (r < 0.35) cp = Math.floor(random() * 0x80);
  else if (r < 0.7) cp = 0x80 + Math.floor(random() * (0x3000 - 0x80));
  else if (r < 0.9) cp = Math.floor(random() * 0x10000);
  else cp = 0x10000 + Math.floor(random() * 0x100000);
  // Half of the surrogate picks stay lone surrogates on purpose; the rest become letters.
  if (cp >= 0xd800 && cp <= 0xdfff && random() < 0.5) cp = 0x4e00 + (cp & 0xff);
  return String.fromCodePoint(cp);
}

function whitespaceRun(random: Random): string {
  let run = "";
  const n = 1 + Math.floor(random() * 12);
  for (let i = 0; i < n; i++) run += pick(random, WHITESPACE);
  return run;
}

function longRepeat(random: Random): string {
  const unit = pick(random, ["a", "ab", " ", "\n", "\r\n", "0", "!", "é", "日", "😀", "' ", "x ", " \t", "aA"]);
  return unit.repeat(8 + Math.floor(random() * 400));
}

/** One random text mixing all of the above; `seed` makes it reproducible. */
export function randomText(seed: number): string {
  const random = seededRandom(seed);
  const parts: string[] = [];
  const n = 1 + Math.floor(random() * 40);
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.25) parts.push(pick(random, WORDS));
    else if (r < 0.45) parts.push(whitespaceRun(random));
    else if (r < 0.6) parts.push(randomCodePoint(random));
    else if (r < 0.7) parts.push(pick(random, EMOJI));
    else if (r < 0.78) parts.push(pick(random, LONE_SURROGATES));
    else if (r < 0.83) parts.push(longRepeat(random));
    else parts.push(" " + pick(random, WORDS));
  }
  return parts.join("");
}
