import { Role, type Message } from "../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../errors/sluice-error.js";
import type { GatewayMetrics } from "../telemetry/metrics.js";
import type { RequestContext } from "./context.js";

/** What admit measures of a request: input tokens (exact, by the tokens slot) and the output it may ask for. */
interface Size {
  inputTokens: number;
  maxOutputTokens: number;
}

/**
 * Context-window management (README, "Context-window management"): makes the request fit its
 * alias's `context_window`, or refuses it with `context_length_exceeded`. A request fits when its
 * input tokens plus its `max_tokens` (else the alias's `context.reserve_output`; without a
 * `context` section, 0 as before) are at most the window. In order: the `fallback` alias, then
 * the strategy: `drop_oldest` drops the oldest whole turns, `middle_out` the turns in the middle.
 * A turn is a user message and everything after it up to the next user message, so a tool call
 * and its result are always dropped together; system and developer messages and the latest turn
 * are always kept. Every step is counted again by `measure` (the tokens slot).
 */
export async function fitContextWindow(ctx: RequestContext, measure: (ctx: RequestContext) => Promise<Size>, metrics?: GatewayMetrics): Promise<Size> {
  let size = await measure(ctx);
  const fits = () => !ctx.contextWindow || size.inputTokens + (ctx.request.params?.maxOutputTokens ?? ctx.contextPolicy?.reserveOutput ?? 0) <= ctx.contextWindow;
  if (fits()) return size;
  const policy = ctx.contextPolicy;
  const count = (action: string) => policy && metrics?.contextActions.inc({ alias: policy.alias, action });

  if (policy?.fallback) {
    const { alias, route } = policy.fallback;
    ctx.targets = route.targets;
    ctx.strategy = route.strategy;
    ctx.contextWindow = route.contextWindow;
    ctx.contextPolicy = route.context;
    ctx.contextAction = `fallback=${alias}`;
    count("fallback");
    size = await measure(ctx);
    if (fits()) return size;
  }

  const strategy = ctx.contextPolicy?.strategy;
  if (strategy === "drop_oldest" || strategy === "middle_out") {
    let dropped = 0;
    for (;;) {
      const turns = turnsOf(ctx.request.messages);
      // The latest turn is never dropped; middle_out also keeps the first.
      const candidates = strategy === "drop_oldest" ? turns.slice(0, -1) : turns.slice(1, -1);
      if (candidates.length === 0) break;
      const drop = strategy === "drop_oldest" ? candidates[0]! : candidates[Math.floor((candidates.length - 1) / 2)]!;
      const gone = new Set(drop);
      ctx.request = { ...ctx.request, messages: ctx.request.messages.filter((_, i) => !gone.has(i)) };
      dropped += drop.length;
      size = await measure(ctx);
      if (fits()) {
        ctx.contextAction = [ctx.contextAction, `${strategy === "middle_out" ? "middle_out " : ""}dropped=${dropped}`].filter(Boolean).join(" ");
        count(strategy === "drop_oldest" ? "dropped" : "middle_out");
        return size;
      }
    }
  }
  count("refused");
  const asked = ctx.request.params?.maxOutputTokens;
  throw new SluiceError(
    "context_length_exceeded",
    `this model's context window is ${ctx.contextWindow} tokens; the request has ${size.inputTokens} input tokens` +
      (asked ? ` and asks for ${asked} output tokens` : ctx.contextPolicy ? ` and ${ctx.contextPolicy.reserveOutput} output tokens are reserved` : ""),
    { param: "messages" },
  );
}

/** The droppable turns, oldest first, as message indices; system and developer messages belong to none. */
function turnsOf(messages: readonly Message[]): number[][] {
  const turns: number[][] = [];
  messages.forEach((m, i) => {
    if (m.role === Role.SYSTEM || m.role === Role.DEVELOPER) return;
    if (m.role === Role.USER || turns.length === 0) turns.push([i]);
    else turns.at(-1)!.push(i);
  });
  return turns;
}
