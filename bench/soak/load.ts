import { seededRandom } from "../../test/support/seeded-random.js";
import type { Behaviour, Call, CallResult, Operation, SoakClients, Surface } from "./clients.js";

/** The API keys the soak uses (plain keys; the config holds their hashes). */
export interface SoakKeys {
  /** Tenant `acme` (generous limits), key with tags. */
  acme1: string;
  /** Tenant `acme`, second key. */
  acme2: string;
  /** Tenant `tight` (rpm 30): many of its requests are refused. */
  tight: string;
}

/** Whether the ledger must hold a line for the request: it must, it may (the client left before any answer), or it must not. */
type LedgerExpectation = "yes" | "maybe" | "no";

export interface SoakRecord extends CallResult {
  call: Call;
  /** What the soak sent: "unauth" (no valid key), "unknown-model", or the fault drawn. */
  kind: string;
  expect: LedgerExpectation;
  ms: number;
}

type Weighted<T> = Array<[T, number]>;

function pick<T>(rnd: () => number, table: Weighted<T>): T {
  const total = table.reduce((n, [, w]) => n + w, 0);
  let x = rnd() * total;
  for (const [v, w] of table) {
    x -= w;
    if (x < 0) return v;
  }
  return table[table.length - 1]![0];
}

const SURFACE_OPS: Weighted<[Surface, Operation] | "unauth" | "unknown-model"> = [
  [["rest", "chat"], 12],
  [["rest", "stream"], 14],
  [["rest", "embed"], 6],
  [["rest", "count"], 3],
  [["grpc", "chat"], 8],
  [["grpc", "stream"], 12],
  [["grpc", "embed"], 3],
  [["grpc", "count"], 2],
  [["connect", "chat"], 8],
  [["connect", "stream"], 12],
  [["connect", "embed"], 3],
  [["connect", "count"], 2],
  ["unauth", 3],
  ["unknown-model", 2],
];

/** Upstream faults, obeyed by the `flaky-*` upstream models (see fake-upstream.ts). */
const FAULTS: Weighted<string> = [
  ["ok", 45],
  ["500", 12],
  ["429", 4],
  ["400", 3],
  ["hang", 4],
  ["trickle", 4],
  ["cut", 7],
  ["malformed", 6],
  ["reset", 5],
  ["long", 10],
];

const BEHAVIOURS: Weighted<Behaviour> = [
  ["complete", 60],
  ["abort", 18],
  ["noread", 10],
  ["disconnect", 12],
];

const WORDS = ["river", "lantern", "copper", "meadow", "signal", "harbor", "quartz", "ember", "willow", "falcon", "orbit", "cedar"];

/** Draws one request of the soak from the seeded generator. */
function planCall(rnd: () => number, id: string, keys: SoakKeys, serial: number): { call: Call; kind: string } {
  const choice = pick(rnd, SURFACE_OPS);
  const words = Array.from({ length: 6 + Math.floor(rnd() * 20) }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(" ");
  let behaviour = pick(rnd, BEHAVIOURS);
  const base: Call = {
    id,
    surface: "rest",
    op: "chat",
    behaviour,
    key: keys.acme1,
    model: "chat",
    text: words,
    maxTokens: 16 + Math.floor(rnd() * 112),
    abortAfterMs: behaviour === "disconnect" ? Math.floor(rnd() * 30) : 5 + Math.floor(rnd() * 400),
    abortAfterChunks: 1 + Math.floor(rnd() * 4),
    holdMs: 1000 + Math.floor(rnd() * 3000),
  };
  if (choice === "unauth") {
    // No valid key and a long, unique model name: refused with 401, and must leave no trace
    // that grows with the caller's strings (metrics labels, logs).
    return { call: { ...base, behaviour: "complete", key: `sk-sluice-not-a-key-${serial}`, model: `m${serial}-${"x".repeat(2000)}` }, kind: "unauth" };
  }
  if (choice === "unknown-model") {
    return { call: { ...base, behaviour: "complete", model: `no-such-model-${serial}` }, kind: "unknown-model" };
  }
  const [surface, op] = choice;
  if (behaviour === "noread" && op !== "stream") behaviour = "complete";
  const keyDraw = rnd();
  const key = keyDraw < 0.5 ? keys.acme1 : keyDraw < 0.85 ? keys.acme2 : keys.tight;
  let kind = pick(rnd, FAULTS);
  // A client that stops reading matters most when the answer outgrows the socket's buffers.
  if (behaviour === "noread" && rnd() < 0.6) kind = "long";
  if (kind === "long" && op !== "stream") kind = "ok";
  if (op === "embed" && (kind === "trickle" || kind === "long")) kind = "ok";
  const modelDraw = rnd();
  const model =
    op === "embed" ? (modelDraw < 0.7 ? "emb" : "emb-solo") : modelDraw < 0.55 ? "chat" : modelDraw < 0.8 ? "chat-solo" : "steady";
  // Some prompts carry an e-mail address: the pii slot rewrites it on the way out and back.
  const pii = rnd() < 0.25 ? ` write to jo.soak${serial}@example.com` : "";
  const text = `[fault:${kind}] soak ${id}: ${words}${pii}`;
  return { call: { ...base, surface, op, behaviour, key, model, text }, kind };
}

function expectation(call: Call, kind: string, result: CallResult): LedgerExpectation {
  // Only chat and embeddings are billed; a request without a valid key never reaches the ledger.
  if (kind === "unauth" || call.op === "count") return "no";
  return result.answered ? "yes" : "maybe";
}

export interface LoadOptions {
  clients: SoakClients;
  keys: SoakKeys;
  seed: number;
  workers: number;
  /** Stop drawing new requests at this time (ms since epoch). */
  until: number;
  /** Pause between one worker's requests, at most (drawn uniformly). */
  thinkMs: number;
  prefix: string;
}

/** `workers` loops, each with its own seeded generator, until `until`; every request's record. */
export async function runLoad(o: LoadOptions): Promise<SoakRecord[]> {
  const records: SoakRecord[] = [];
  const worker = async (w: number) => {
    const rnd = seededRandom(o.seed * 1000 + w);
    for (let n = 0; Date.now() < o.until; n++) {
      const id = `${o.prefix}-${w}-${n}`;
      const { call, kind } = planCall(rnd, id, o.keys, w * 1_000_000 + n);
      const t0 = performance.now();
      const result = await o.clients.run(call);
      records.push({ ...result, call, kind, expect: expectation(call, kind, result), ms: performance.now() - t0 });
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * o.thinkMs)));
    }
  };
  await Promise.all(Array.from({ length: o.workers }, (_, w) => worker(w)));
  return records;
}
