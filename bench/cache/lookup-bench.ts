/**
 * The k6 scenarios (bench/k6/cache.js) at the library level, in process: what the cache phase
 * costs per request for a cached question (exact hit), a re-asked one (semantic hit), a new one
 * (miss, then store), and replaying a hit as a stream. Baseline in the same run: a miss.
 *   node dist/bench/cache/lookup-bench.js [--entries 20000] [--ops 3000] [--worker 1]
 */
import { consoleLogger } from "../../src/core/logger.js";
import { ResponseCache } from "../../src/cache/response-cache.js";
import { replayChunks } from "../../src/cache/replay.js";
import { CacheStatus } from "../../src/gen/sluice/v1/gateway_pb.js";
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, ChatResponseSchema, ContentPartSchema, FinishReason, MessageSchema, Role, UsageSchema } from "../../src/gen/sluice/v1/gateway_pb.js";
import { seededRandom as mulberry32 } from "../../test/support/seeded-random.js";
import { nowMs, summarise } from "./stats.js";

const args = Object.fromEntries(process.argv.slice(2).reduce<[string, number][]>((acc, a, i, all) => (i % 2 === 0 ? [...acc, [a.replace(/^--/, ""), Number(all[i + 1])]] : acc), []));
const entries = args.entries ?? 20_000;
const ops = args.ops ?? 3000;
const rand = mulberry32(11);
const WORDS = "time data user system cache model answer question python list string capital city river mountain sleep focus tea coffee network packet server client memory thread index vector graph search tenant price budget token limit stream chunk error retry route".split(" ");
const sentence = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ");
const msg = (role: Role, value: string) => create(MessageSchema, { role, content: [create(ContentPartSchema, { part: { case: "text", value } })] });
const req = (q: string) => create(ChatRequestSchema, { model: "fast", messages: [msg(Role.SYSTEM, "Be brief."), msg(Role.USER, q)] });
const resp = (a: string) => create(ChatResponseSchema, { id: "x", model: "m", message: msg(Role.ASSISTANT, a), finishReason: FinishReason.STOP, usage: create(UsageSchema, { inputTokens: 20, outputTokens: 60 }) });

const thread = args.worker ? "worker" : "inline";
const cache = await ResponseCache.open({ semantic: { threadMode: thread } }, { log: { ...consoleLogger, warn: () => {} } });
const questions = Array.from({ length: entries }, (_, i) => `Question ${i}: ${sentence(10)}?`);
const tStore = nowMs();
for (const [i, q] of questions.entries()) await cache.store(req(q), "acme", resp(`Answer ${i}: ${sentence(60)}.`));
const storeRate = entries / ((nowMs() - tStore) / 1000);

async function measure(name: string, make: (i: number) => ReturnType<typeof req>, expect: string) {
  const lat: number[] = [];
  let ok = 0;
  for (let i = 0; i < ops; i++) {
    const r = make(i);
    const s = nowMs();
    const res = await cache.lookup(r, "acme");
    lat.push(nowMs() - s);
    if (res.status === expect) ok++;
  }
  return { name, ...summarise(lat), ok: ok / ops };
}

const pick = (i: number) => questions[(i * 7919) % entries]!;
const results = [
  await measure("miss (new question)", (i) => req(`Brand new ${i}: ${sentence(10)}?`), "miss"),
  await measure("hit_exact (same question)", (i) => req(pick(i)), "hit_exact"),
  await measure("hit_semantic (re-asked: lower case, no '?')", (i) => req(pick(i).toLowerCase().replace("?", "")), "hit_semantic"),
];
const hit = (await cache.lookup(req(pick(1)), "acme")).response!;
const rl: number[] = [];
for (let i = 0; i < ops; i++) {
  const s = nowMs();
  replayChunks(hit, CacheStatus.HIT_EXACT);
  rl.push(nowMs() - s);
}
const replay = { name: "replay as chunks (60-word answer)", ...summarise(rl), ok: 1 };
await cache.close();

const base = results[0]!.p50;
console.log(`
### Cache phase in process: ${entries.toLocaleString("en")} stored answers, ${ops} lookups per case (built-in embedder, HNSW ${thread})

| case | p50 | p99 | as expected | p50 vs miss |
|---|---|---|---|---|
${[...results, replay].map((r) => `| ${r.name} | ${r.p50.toFixed(3)} ms | ${r.p99.toFixed(3)} ms | ${(r.ok * 100).toFixed(1)}% | ${(r.p50 / base).toFixed(2)}x |`).join("\n")}

store (embed + index insert + LRU): ${storeRate.toFixed(0)} answers/s
`);
