import { Role, type ChatRequest, type GenerationParams, type Message, type PromptRef } from "../../gen/sluice/v1/gateway_pb.js";
import { renderPrompt, type PromptLibrary, type PromptTemplate } from "../../prompts/index.js";
import type { RequestContext } from "../context.js";
import type { Phase } from "../phase.js";

const roles = { system: Role.SYSTEM, developer: Role.DEVELOPER, user: Role.USER, assistant: Role.ASSISTANT } as const;

/**
 * A request that names a stored prompt (`ChatRequest.prompt`) gets it rendered in before
 * anything else reads the request: the template's messages, then the request's own; the
 * template's model when the request names none; its params where the request sets none. The
 * version chosen is sticky per caller (API key id + `user`) when a label splits versions.
 */
export function promptPhase(library: PromptLibrary): Phase {
  // Most requests name no prompt: they pass without a promise (the runner awaits only promises).
  async function render(ctx: RequestContext, ref: PromptRef): Promise<void> {
    const caller = `${ctx.principal!.keyId}\n${ctx.request.user}`;
    const { template, version } = await library.resolve(ref, caller);
    const rendered = renderPrompt(template, version, ref.variables);
    const messages: Message[] = rendered.map((m) => ({
      $typeName: "sluice.v1.Message",
      role: roles[m.role],
      content: [{ $typeName: "sluice.v1.ContentPart", part: { case: "text", value: m.content } }],
      name: "",
      toolCalls: [],
      toolCallId: "",
      refusal: "",
      reasoning: "",
      reasoningSignature: "",
      toolError: false,
    }));
    const request: ChatRequest = {
      ...ctx.request,
      model: ctx.request.model || template.model,
      messages: [...messages, ...ctx.request.messages],
      params: templateParams(template.params, ctx.request.params),
    };
    ctx.request = request;
    if (!ctx.model) ctx.model = request.model;
    ctx.prompt = { id: template.id, version };
  }

  return {
    name: "prompt",
    onRequest(ctx) {
      const ref = ctx.request.prompt;
      return ref ? render(ctx, ref) : undefined;
    },
  };
}

/** The request's params, with the template's where the request left a field unset. */
function templateParams(d: PromptTemplate["params"], p: GenerationParams | undefined): GenerationParams | undefined {
  if (Object.keys(d).length === 0) return p;
  const base: GenerationParams = p ?? {
    $typeName: "sluice.v1.GenerationParams",
    temperature: undefined,
    topP: undefined,
    maxOutputTokens: undefined,
    stop: [],
    seed: undefined,
    responseFormat: undefined,
    presencePenalty: undefined,
    frequencyPenalty: undefined,
    parallelToolCalls: undefined,
    reasoningEffort: "",
    topK: undefined,
    reasoningBudgetTokens: undefined,
  };
  return {
    ...base,
    temperature: base.temperature ?? d.temperature,
    topP: base.topP ?? d.top_p,
    maxOutputTokens: base.maxOutputTokens ?? d.max_tokens,
    presencePenalty: base.presencePenalty ?? d.presence_penalty,
    frequencyPenalty: base.frequencyPenalty ?? d.frequency_penalty,
    seed: base.seed ?? (d.seed === undefined ? undefined : BigInt(d.seed)),
    stop: base.stop.length > 0 ? base.stop : (d.stop ?? []),
  };
}
