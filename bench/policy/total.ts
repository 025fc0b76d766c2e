// The TOTAL policy cost of one request (issue 4's budget: <= 100 µs p50 for a 2 KB prompt): every
// slot the gateway runs on a chat request, in pipeline order, with the shipped default modules:
//   inspect: the pii slot (PiiSlot.scan through inspectPhase, default rules, pii-hostio.wasm;
//            the prompt holds PII, so the request is rewritten and cloned as in the gateway)
//   admit:   the tokens slot (ChatTokenCounter.count of the rewritten request, o200k_base for the
//            first target, tokens-hostio.wasm)
//   route:   the router slot (routePhase with router-hostio.wasm, 4 targets, live stats)
// Baseline: the same host code with plain WebAssembly in place of Extism (the raw_* exports of
// pii.wasm, tokens.wasm and router.wasm behind a stand-in slot); the built-in route order, no
// module at all, is reported beside the router's part.
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role } from "../../src/gen/sluice/v1/gateway_pb.js";
import { newContext, type RequestContext } from "../../src/pipeline/context.js";
import { newCallRecord } from "../../src/core/call-record.js";
import { inspectPhase } from "../../src/pipeline/phases/inspect.js";
import { routePhase } from "../../src/pipeline/phases/route.js";
import { PolicySlot } from "../../src/policy/host/slot.js";
import { sha256Hex } from "../../src/policy/host/version-store.js";
import { PiiSlot } from "../../src/policy/pii/api.js";
import { DEFAULT_PII_RULES } from "../../src/policy/pii/rules.js";
import { RouterSlot } from "../../src/policy/router/api.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../src/policy/slots.js";
import { TokensSlot } from "../../src/policy/tokens/api.js";
import { ChatTokenCounter } from "../../src/policy/tokens/chat-count.js";
import { tokensInitInput } from "../../src/policy/tokens/rank-blob.js";
import { createTokensSlot } from "../../src/policy/tokens/tokenizer.js";
import { GatewayMetrics } from "../../src/telemetry/metrics.js";
import { readFileSync } from "node:fs";
import { promptOfSize } from "./inputs.js";
import { rawModule, rawSlot } from "./raw-wasm.js";
import { routedAlias, routerSlotFor } from "./router.js";
import { calibrationNsPerByte, fmt, percentile, sample } from "./stats.js";

const ROUNDS = 9;
const CALLS = 2000;
const TARGET_US = 100;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const range = (xs: number[]): string => `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;

async function piiSlot(dist: string, name: string): Promise<PolicySlot> {
  const slot = new PolicySlot(SLOT_DEFINITIONS.pii, { ...DEFAULT_SLOT_CONFIG.pii, timeoutMs: 2000 });
  const bytes = new Uint8Array(readFileSync(join(dist, `${name}.wasm`)));
  await slot.activate(bytes, { version: 1, sha256: sha256Hex(bytes), activatedAt: new Date().toISOString() });
  return slot;
}

export async function totalBench(dist: string, out: (s?: string) => void): Promise<void> {
  const { targets, pricing, router } = routedAlias();
  const first = targets[0]!;
  const request = create(ChatRequestSchema, {
    model: "chat",
    tags: { team: "search" },
    messages: [
      { role: Role.SYSTEM, content: [{ part: { case: "text", value: "You are a helpful assistant." } }] },
      { role: Role.USER, content: [{ part: { case: "text", value: promptOfSize(2048, 2048) } }] },
    ],
  });
  const promptBytes = request.messages.reduce((n, m) => n + m.content.reduce((k, p) => k + (p.part.case === "text" ? p.part.value.length : 0), 0), 0);
  // One context, reset before every request (the phases set targets, request, routing, placeholders).
  const ctx: RequestContext = newContext({ operation: "chat", record: newCallRecord("bench", "b"), credentials: undefined, principal: undefined, signal: new AbortController().signal, stream: false, model: request.model, request, onAnswerStart: undefined });
  const reset = (): RequestContext => {
    ctx.request = request;
    ctx.targets = targets;
    ctx.strategy = "weighted";
    ctx.routing = undefined;
    ctx.placeholders = undefined;
    ctx.inputTokenEstimate = 0;
    return ctx;
  };

  // ---- shipped: Extism, the slots' default modules
  const pii = await piiSlot(dist, "pii-hostio");
  const tokens = await createTokensSlot(join(dist, "tokens-hostio.wasm"));
  const routerSlot = await routerSlotFor(dist, "router-hostio");
  const metrics = new GatewayMetrics();
  const route = routePhase(router, { policy: new RouterSlot(routerSlot), aliases: new Set(["chat"]), pricing, metrics });
  const builtinRoute = routePhase(router);
  const shipped = { inspect: inspectPhase(new PiiSlot(pii, DEFAULT_PII_RULES)), counter: new ChatTokenCounter(new TokensSlot(tokens)), route };

  // ---- baseline: the same host code over plain WebAssembly (pii.wasm, tokens.wasm raw_* exports)
  const rawPii = await rawModule(join(dist, "pii.wasm"));
  const rawTokens = await rawModule(join(dist, "tokens.wasm"));
  rawTokens.call("raw_init", await tokensInitInput());
  const rawRouter = await rawModule(join(dist, "router.wasm"));
  const rawRoute = routePhase(router, { policy: new RouterSlot(rawSlot("router", "route", rawRouter, { route: "raw_route" })), aliases: new Set(["chat"]), pricing, metrics });
  const raw = {
    inspect: inspectPhase(new PiiSlot(rawSlot("pii", "scan", rawPii, { scan: "raw_scan" }), DEFAULT_PII_RULES)),
    counter: new ChatTokenCounter(new TokensSlot(rawSlot("tokens", "count", rawTokens, { count: "raw_count", encode: "raw_encode" }))),
    route: rawRoute,
  };

  type Parts = typeof shipped;
  const count = async (p: Parts) => {
    ctx.inputTokenEstimate = (await p.counter.count(ctx.request, first.provider.kind, first.model)).inputTokens;
  };
  const all = async (p: Parts) => {
    reset();
    await p.inspect.onRequest!(ctx);
    await count(p);
    await p.route.onRequest!(ctx);
  };

  // sanity: both paths agree, and the request is what the gateway would see
  reset();
  await shipped.inspect.onRequest!(ctx);
  const rewritten = ctx.request !== request;
  const placeholders = ctx.placeholders?.size ?? 0;
  const shippedCount = await shipped.counter.count(ctx.request, first.provider.kind, first.model);
  await raw.inspect.onRequest!(reset());
  const rawCount = await raw.counter.count(ctx.request, first.provider.kind, first.model);
  if (shippedCount.inputTokens !== rawCount.inputTokens || !shippedCount.exact) throw new Error("tokens: Extism and plain WebAssembly disagree");
  await all(raw);
  const rawOrder = ctx.targets.map((t) => `${t.provider.id}/${t.model}`).join(" > ");
  await all(shipped);
  const decision = ctx.routing;
  const order = ctx.targets.map((t) => `${t.provider.id}/${t.model}`).join(" > ");
  if (rawOrder !== order) throw new Error(`router: Extism and plain WebAssembly disagree (${order} vs ${rawOrder})`);

  const rows = {
    total: [] as number[], totalP99: [] as number[], rawTotal: [] as number[], rawTotalP99: [] as number[],
    pii: [] as number[], piiP99: [] as number[], rawPii: [] as number[],
    tokens: [] as number[], tokensP99: [] as number[], rawTokens: [] as number[],
    route: [] as number[], routeP99: [] as number[], rawRoute: [] as number[], builtin: [] as number[],
  };
  const load = calibrationNsPerByte();
  for (let r = 0; r < ROUNDS; r++) {
    const t = await sample(() => all(shipped), CALLS);
    rows.total.push(percentile(t, 50));
    rows.totalP99.push(percentile(t, 99));
    const b = await sample(() => all(raw), CALLS);
    rows.rawTotal.push(percentile(b, 50));
    rows.rawTotalP99.push(percentile(b, 99));
    const p = await sample(() => shipped.inspect.onRequest!(reset()), CALLS);
    rows.pii.push(percentile(p, 50));
    rows.piiP99.push(percentile(p, 99));
    rows.rawPii.push(percentile(await sample(() => raw.inspect.onRequest!(reset()), CALLS), 50));
    const k = await sample(() => count(shipped), CALLS);
    rows.tokens.push(percentile(k, 50));
    rows.tokensP99.push(percentile(k, 99));
    rows.rawTokens.push(percentile(await sample(() => count(raw), CALLS), 50));
    const o = await sample(() => route.onRequest!(reset()), CALLS);
    rows.route.push(percentile(o, 50));
    rows.routeP99.push(percentile(o, 99));
    rows.rawRoute.push(percentile(await sample(() => raw.route.onRequest!(reset()), CALLS), 50));
    rows.builtin.push(percentile(await sample(() => builtinRoute.onRequest!(reset()), CALLS), 50));
  }
  const loadAfter = calibrationNsPerByte();

  const total = median(rows.total);
  out("### Total policy cost per request (all slots)");
  out();
  out(`One chat request (system prompt + a ${fmt(promptBytes / 1024, 1)} KB user prompt with PII, alias \`chat\` with ${targets.length} targets) through every policy slot the gateway runs`);
  out("on it, in pipeline order, with the shipped default modules on trusted slots:");
  out(`inspect (\`pii\`: \`PiiSlot.scan\` via the inspect phase, default rules, \`pii-hostio.wasm\`; outcome ${rewritten ? `rewritten, ${placeholders} placeholders, changed messages copied` : "clean"}),`);
  out(`admit (\`tokens\`: \`ChatTokenCounter.count\`, o200k_base for ${first.provider.id}/${first.model}, \`tokens-hostio.wasm\`; ${shippedCount.inputTokens} input tokens),`);
  out(`route (\`router\`: the route phase with \`router-hostio.wasm\`; \`${order}\`, "${decision?.reason}").`);
  out("Baseline: the same host code (phases, typed slot APIs, codecs and checks) with plain WebAssembly in place of Extism,");
  out("the same modules' rules through the raw_* exports of pii.wasm, tokens.wasm and router.wasm (both paths give the same");
  out("count and route order, checked before measuring); the built-in route order (no module) is given beside the router's part.");
  out(`${ROUNDS} interleaved rounds of ${CALLS} requests per row; p50 is the median of the rounds' p50s, p99 the median of the rounds' p99s.`);
  out();
  out("| part | Extism, shipped modules p50 µs | p99 µs | rounds' p50 range µs | plain WebAssembly p50 µs | rounds' range µs |");
  out("|---|---:|---:|---:|---:|---:|");
  out(`| pii: inspect phase (scan + rewrite) | ${fmt(median(rows.pii))} | ${fmt(median(rows.piiP99))} | ${range(rows.pii)} | ${fmt(median(rows.rawPii))} | ${range(rows.rawPii)} |`);
  out(`| tokens: \`ChatTokenCounter.count\` | ${fmt(median(rows.tokens))} | ${fmt(median(rows.tokensP99))} | ${range(rows.tokens)} | ${fmt(median(rows.rawTokens))} | ${range(rows.rawTokens)} |`);
  out(`| router: route phase | ${fmt(median(rows.route))} | ${fmt(median(rows.routeP99))} | ${range(rows.route)} | ${fmt(median(rows.rawRoute))} (built-in order, no module: ${fmt(median(rows.builtin), 2)}) | ${range(rows.rawRoute)} |`);
  out(`| **total, one request through all three** | **${fmt(total)}** | ${fmt(median(rows.totalP99))} | ${range(rows.total)} | ${fmt(median(rows.rawTotal))} (p99 ${fmt(median(rows.rawTotalP99))}) | ${range(rows.rawTotal)} |`);
  out();
  const met = total <= TARGET_US;
  const rounds = rows.total.filter((x) => x <= TARGET_US).length;
  out(`Target <= ${TARGET_US} µs p50 for the total policy cost of a 2 KB request: **${met ? "met" : "not met"}** (${fmt(total)} µs; ${rounds} of ${ROUNDS} rounds' p50s at or under ${TARGET_US} µs; rounds ${range(rows.total)} µs).`);
  out(`Load while measuring: a trivial JS byte loop ran ${fmt(load, 1)} ns/byte before and ${fmt(loadAfter, 1)} ns/byte after the rounds (a load gauge for comparing runs: lower is a quieter machine).`);
  const share = total - median(rows.rawTotal);
  out(share > 0
    ? `Extism's share is the total minus the baseline total: ${fmt(share)} µs (${fmt(total / median(rows.rawTotal), 2)}x plain WebAssembly).`
    : `Extism's share (total minus baseline total) is within this run's noise: the baseline's p50 came out ${fmt(-share)} µs higher.`);
  out();
  await Promise.all([pii.close(), tokens.close(), routerSlot.close()]);
}
