// Misbehaving router modules (testdata/router-faulty: the default router until a marker in the
// input) through the router slot and the route phase: fail open routes with the built-in order,
// fail closed refuses with `unavailable`, and the next request is routed by the module again.
import { afterEach, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../src/errors/sluice-error.js";
import { newContext, type RequestContext } from "../../../src/pipeline/context.js";
import { newCallRecord } from "../../../src/core/call-record.js";
import { type Target } from "../../../src/core/target.js";
import { routePhase, type RouterSlotDeps } from "../../../src/pipeline/phases/route.js";
import type { SlotConfig } from "../../../src/policy/host/definitions.js";
import { PolicyRefusedError } from "../../../src/policy/host/errors.js";
import { PolicySlot } from "../../../src/policy/host/slot.js";
import { sha256Hex } from "../../../src/policy/host/version-store.js";
import { RouterSlot } from "../../../src/policy/router/api.js";
import type { RouterInput } from "../../../src/policy/router/codec.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../../src/policy/slots.js";
import type { ProviderAdapter } from "../../../src/core/provider.js";
import { routingSettings } from "../../../src/routing/settings.js";
import { Router } from "../../../src/routing/router.js";
import { GatewayMetrics } from "../../../src/telemetry/metrics.js";
import { builtModule } from "./helpers.js";

const slots: PolicySlot[] = [];
afterEach(async () => {
  await Promise.all(slots.splice(0).map((s) => s.close()));
});
async function faulty(config: Partial<SlotConfig>): Promise<PolicySlot> {
  const slot = new PolicySlot(SLOT_DEFINITIONS.router, { ...DEFAULT_SLOT_CONFIG.router, ...config });
  const bytes = builtModule("testdata/router-faulty");
  await slot.activate(bytes, { version: 7, sha256: sha256Hex(bytes), activatedAt: new Date().toISOString() });
  slots.push(slot);
  return slot;
}

// Configured order: pricey first; the module's cost-aware order puts cheap first.
const target = (id: string, model: string): Target => ({
  provider: { id } as ProviderAdapter, model, weight: 1, timeouts: { firstTokenMs: 0, idleMs: 0, totalMs: 0 },
});
const TARGETS = [target("pricey", "big"), target("cheap", "mini")];
const PRICING = { big: { input_per_mtok: 5, output_per_mtok: 15 }, mini: { input_per_mtok: 0.15, output_per_mtok: 0.6 } };

const routerInput = (marker: string): RouterInput => ({
  alias: "chat", tenant: "t", tags: [`marker=${marker}`], inputTokenEstimate: 10,
  features: { lengthChars: 20, hasCode: false, turns: 1 },
  candidates: [
    { targetId: "pricey/big", healthy: true, latencyEwmaMs: 0, errorRate: 0, priceInputPerMtok: 5, priceOutputPerMtok: 15, remainingCapacity: 0, weight: 1, inflight: 0 },
    { targetId: "cheap/mini", healthy: true, latencyEwmaMs: 0, errorRate: 0, priceInputPerMtok: 0.15, priceOutputPerMtok: 0.6, remainingCapacity: 0, weight: 1, inflight: 0 },
  ],
});

function context(marker = "none", model = "chat"): RequestContext {
  const request = create(ChatRequestSchema, {
    model,
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hello there" } }] }],
    tags: { marker },
  });
  const ctx = newContext({ operation: "chat", record: newCallRecord("test", "r"), credentials: undefined, principal: undefined, signal: new AbortController().signal, stream: false, model: request.model, request, onAnswerStart: undefined });
  ctx.targets = TARGETS;
  ctx.strategy = "ordered";
  return ctx;
}

function phaseWith(policy: RouterSlot | RouterSlotDeps["policy"], metrics = new GatewayMetrics(), router = new Router(routingSettings(undefined))) {
  const phase = routePhase(router, { policy, aliases: new Set(["chat"]), pricing: PRICING, metrics });
  return { phase, metrics, router };
}
const order = (ctx: RequestContext) => ctx.targets.map((t) => `${t.provider.id}/${t.model}`);
async function decisions(metrics: GatewayMetrics): Promise<Record<string, number>> {
  const m = await metrics.routerDecisions.get();
  return Object.fromEntries(m.values.map((v) => [`${v.labels.alias}:${v.labels.outcome}`, v.value]));
}

describe("router slot failures, per fail mode", () => {
  const cases = [["trap", "trap"], ["oom", "trap"], ["garbage", "garbage"], ["unknown", "garbage"]] as const;
  for (const [marker, kind] of cases) {
    it(`${marker}: fail open is "no decision" (typed failure), then the module decides again`, async () => {
      const router = new RouterSlot(await faulty({ failMode: "open" }));
      const d = await router.route(routerInput(`__${marker}__`));
      expect(d.outcome).toBe("skipped");
      expect(d.failure?.kind).toBe(kind);
      expect(d.targetIds).toEqual([]);
      const next = await router.route(routerInput("none"));
      expect([next.outcome, next.targetIds]).toEqual(["routed", ["cheap/mini", "pricey/big"]]);
    });

    it(`${marker}: fail closed throws PolicyRefusedError, then the module decides again`, async () => {
      const router = new RouterSlot(await faulty({ failMode: "closed" }));
      const err = await router.route(routerInput(`__${marker}__`)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PolicyRefusedError);
      expect((err as PolicyRefusedError).failure.kind).toBe(kind);
      expect((await router.route(routerInput("none"))).targetIds).toEqual(["cheap/mini", "pricey/big"]);
    });
  }

  it("loop on an untrusted slot: times out after timeout_ms, the worker is replaced, the next call routes", async () => {
    const slot = await faulty({ failMode: "open", trusted: false, timeoutMs: 200 });
    const router = new RouterSlot(slot);
    const started = Date.now();
    const d = await router.route(routerInput("__loop__"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect([d.outcome, d.failure?.kind]).toEqual(["skipped", "timeout"]);
    expect((await router.route(routerInput("none"))).targetIds).toEqual(["cheap/mini", "pricey/big"]);
    expect(slot.generations()).toBe(2);
  });

  it("loop on an untrusted fail-closed slot refuses with a typed timeout", async () => {
    const router = new RouterSlot(await faulty({ failMode: "closed", trusted: false, timeoutMs: 200 }));
    const err = await router.route(routerInput("__loop__")).catch((e: unknown) => e);
    expect((err as PolicyRefusedError).failure.kind).toBe("timeout");
  });
});

describe("route phase with the router slot", () => {
  it("orders targets by the module, records the decision and counts it", async () => {
    const { phase, metrics } = phaseWith(new RouterSlot(await faulty({ failMode: "open" })));
    const ctx = context();
    await phase.onRequest!(ctx);
    expect(order(ctx)).toEqual(["cheap/mini", "pricey/big"]);
    expect(ctx.routing).toEqual({ by: "module", reason: "cost-aware: cheap/mini cheapest healthy", moduleVersion: 7 });
    expect(await decisions(metrics)).toEqual({ "chat:module": 1 });
  });

  it("fail open: a trapping module falls back to the built-in order, and the gateway keeps serving", async () => {
    const { phase, metrics } = phaseWith(new RouterSlot(await faulty({ failMode: "open" })));
    const ctx = context("__trap__");
    await phase.onRequest!(ctx);
    expect(order(ctx)).toEqual(["pricey/big", "cheap/mini"]); // configured ("ordered") order
    expect(ctx.routing).toEqual({ by: "fallback", reason: "router module failed (trap); built-in order", moduleVersion: 7 });
    const next = context();
    await phase.onRequest!(next);
    expect(order(next)).toEqual(["cheap/mini", "pricey/big"]);
    expect(await decisions(metrics)).toEqual({ "chat:fallback": 1, "chat:module": 1 });
  });

  it("fail closed: a module returning garbage refuses the request with `unavailable`", async () => {
    const { phase, metrics } = phaseWith(new RouterSlot(await faulty({ failMode: "closed" })));
    const ctx = context("__garbage__");
    const err = await Promise.resolve(phase.onRequest!(ctx)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe("unavailable");
    expect(ctx.routing?.by).toBe("refused");
    expect(await decisions(metrics)).toEqual({ "chat:refused": 1 });
  });

  it("open breakers stay excluded even when listed; left-out targets are not tried; nothing left is upstream_unavailable", async () => {
    let answer = ["pricey/big", "cheap/mini"];
    const stub = { applies: () => true, version: () => 3, route: async () => ({ outcome: "routed" as const, targetIds: answer, reason: "stub", failure: null, version: 3 }) };
    const { phase, router } = phaseWith(stub as unknown as RouterSlot);
    for (let i = 0; i < 5; i++) router.health.recordFailure("cheap", "mini"); // breaker opens
    const ctx = context();
    await phase.onRequest!(ctx);
    expect(order(ctx)).toEqual(["pricey/big"]);
    answer = ["cheap/mini"]; // the module excludes pricey; cheap's breaker is open
    const err = await Promise.resolve(phase.onRequest!(context())).catch((e: unknown) => e);
    expect((err as SluiceError).code).toBe("upstream_unavailable");
    answer = [];
    const empty = await Promise.resolve(phase.onRequest!(context())).catch((e: unknown) => e);
    expect((empty as SluiceError).code).toBe("upstream_unavailable");
  });

  it("aliases the module does not route, and direct provider/model names, keep the built-in order without a call", async () => {
    let calls = 0;
    const stub = { applies: (a: string) => a !== "other", version: () => 1, route: async () => { calls++; throw new Error("not called"); } };
    const router = new Router(routingSettings(undefined));
    const phase = routePhase(router, { policy: stub as unknown as RouterSlot, aliases: new Set(["chat", "other"]), pricing: PRICING });
    const other = context("none", "other");
    await phase.onRequest!(other);
    const direct = context("none", "cheap/mini");
    await phase.onRequest!(direct);
    // A request already answered by an earlier phase (a cache hit) is not sent to the module.
    const cached = context();
    cached.answer = (async function* () {})();
    await phase.onRequest!(cached);
    expect(calls).toBe(0);
    expect(order(other)).toEqual(["pricey/big", "cheap/mini"]);
    expect(other.routing).toBeUndefined();
  });

  it("without a router slot the phase stays synchronous", () => {
    const phase = routePhase(new Router(routingSettings(undefined)));
    const ctx = context();
    expect(phase.onRequest!(ctx)).toBeUndefined();
    expect(order(ctx)).toEqual(["pricey/big", "cheap/mini"]);
  });
});
