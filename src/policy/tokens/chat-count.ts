import { SluiceError } from "../../errors/sluice-error.js";
import { ImageDetail, Role, type ChatRequest } from "../../gen/sluice/v1/gateway_pb.js";
import { PolicyRefusedError } from "../host/errors.js";
import { estimateTokens, type TokensSlot } from "./api.js";
import type { EncodingName } from "./encodings.js";
import { encodingForModel } from "./model-encoding.js";

interface ChatTokenCount {
  inputTokens: number;
  encoding: EncodingName;
  /** True when the provider bills with exactly this tokenizer (OpenAI models) and the tokens
   *  slot counted; false for an estimate (other providers, tools, or a failed-open slot). */
  exact: boolean;
}

/*
 * How a chat request is billed in input tokens, after OpenAI's published rule for its chat
 * models: each message costs its role, content and name tokens plus 3 tokens of framing (1
 * more for a name), and every answer is primed with 3 tokens. Tool definitions are counted as
 * the JSON of their name, description and parameters plus 12 tokens (OpenAI does not publish
 * its exact tool encoding: close, not exact). Images follow OpenAI's rule where it does not need
 * the picture: 85 tokens at low detail; at high or auto detail the size is unknown before the
 * provider fetches it, so a 1024x1024 image is assumed (765 tokens).
 */
const PER_MESSAGE = 3;
const PER_NAME = 1;
const REPLY_PRIMING = 3;
const PER_TOOLS = 12;
const IMAGE_LOW = 85;
const IMAGE_DEFAULT = 765;

const roleNames: Record<number, string> = {
  [Role.SYSTEM]: "system",
  [Role.USER]: "user",
  [Role.ASSISTANT]: "assistant",
  [Role.TOOL]: "tool",
  [Role.DEVELOPER]: "developer",
};

/**
 * Counts chat requests through the `tokens` policy slot (PolicyHost.tokens()): a push or
 * rollback of the slot changes counts from the next request. Without a slot (a Gateway built
 * with no policy host) and when the slot fails open, texts are estimated (estimateTokens) and
 * the count is marked inexact. A fail-closed slot that cannot count refuses with `unavailable`.
 */
export class ChatTokenCounter {
  constructor(private readonly tokens: TokensSlot | null) {}

  async count(request: ChatRequest, providerKind: string, model: string): Promise<ChatTokenCount> {
    const { encoding, exact } = encodingForModel(providerKind, model);
    const texts: string[] = [];
    let fixed = REPLY_PRIMING;
    for (const m of request.messages) {
      fixed += PER_MESSAGE;
      texts.push(roleNames[m.role] ?? "user");
      if (m.name) {
        texts.push(m.name);
        fixed += PER_NAME;
      }
      for (const part of m.content) {
        if (part.part.case === "text") texts.push(part.part.value);
        else if (part.part.case === "image") fixed += part.part.value.detail === ImageDetail.LOW ? IMAGE_LOW : IMAGE_DEFAULT;
      }
      for (const call of m.toolCalls) texts.push(call.name, call.argumentsJson);
    }
    if (request.tools.length > 0) {
      fixed += PER_TOOLS;
      for (const t of request.tools) texts.push(JSON.stringify({ name: t.name, description: t.description, parameters: t.parametersJson }));
    }
    let counts: number[];
    let counted = false;
    if (!this.tokens) counts = texts.map(estimateTokens);
    else {
      try {
        const result = await this.tokens.count(encoding, texts);
        counts = result.counts;
        counted = result.exact;
      } catch (err) {
        if (err instanceof PolicyRefusedError) {
          throw new SluiceError("unavailable", "input tokens could not be counted (tokens policy module failed); try again", { cause: err });
        }
        throw err;
      }
    }
    let total = fixed;
    for (const n of counts) total += n;
    return { inputTokens: total, encoding, exact: exact && counted && request.tools.length === 0 };
  }

  /** Nothing to release: the slot belongs to the policy host. */
  async close(): Promise<void> {}
}
