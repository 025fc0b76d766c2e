// Benchmark prompts: seeded English-like prose with personal data sprinkled in (about one item
// per 400 bytes), so the detectors both scan plain text and fire.
import { seededRandom } from "../../test/support/seeded-random.js";
const WORDS = (
  "the a of to and in is it you that he was for on are with as his they be at one have this from or had by " +
  "word but what some we can out other were all there when up use your how said an each she which do their time " +
  "if will way about many then them write would like so these her long make thing see him two has look more day " +
  "could go come did number sound no most people my over know water than call first who may down side been now find " +
  "request model gateway latency budget deploy config tenant summary review invoice account customer order"
).split(" ");
const PII = [
  "jane.doe@example.com", "+44 20 7946 0958", "(415) 555-0132", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
  "192.168.10.24", "2001:db8::8a2e:370", "078-05-1123", "https://user:hunter2@internal.example.com/db",
  "https://docs.example.org/guide", "AKIAIOSFODNN7EXAMPLE", "12345678Z", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
];

/** About `bytes` bytes of prose (ASCII, so bytes = UTF-16 units) with PII every ~400 bytes. */
export function promptOfSize(bytes: number, seed = 42): string {
  const random = seededRandom(seed);
  const parts: string[] = [];
  let length = 0;
  let sinceItem = 0;
  while (length < bytes) {
    let piece: string;
    if (sinceItem > 400) {
      piece = PII[Math.floor(random() * PII.length)] as string;
      sinceItem = 0;
    } else piece = WORDS[Math.floor(random() * WORDS.length)] as string;
    if (random() < 0.08) piece += ".";
    parts.push(piece);
    length += piece.length + 1;
    sinceItem += piece.length + 1;
  }
  return parts.join(" ").slice(0, bytes);
}
