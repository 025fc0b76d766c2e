import type { CallToolResult, ContentBlock, GetPromptResult } from "@modelcontextprotocol/sdk/types.js";
import { SluiceError } from "../errors/sluice-error.js";
import { PolicyRefusedError, type PiiSlot } from "../policy/index.js";

/**
 * The `pii` slot over a tool result or a prompt (`mcp.scan_results`), which flow into prompts:
 * every text content, embedded text resource and string of `structuredContent`, in one module
 * call.
 * Nothing comes back to restore placeholders in, so placeholder rules act as redactions (as for
 * embeddings). A blocked type withholds the whole result (`policy_blocked`, naming the type,
 * never the value); a failed module in a fail-closed slot is `unavailable`.
 */
export class ResultScanner {
  private readonly rules: PiiSlot["rules"];

  constructor(private readonly pii: PiiSlot) {
    this.rules = Object.fromEntries(Object.entries(pii.rules).map(([type, action]) => [type, action === "placeholder" ? "redact" : action])) as PiiSlot["rules"];
  }

  /** The result with its texts rewritten as the rules say (the same object, changed in place). */
  async scanToolResult(result: CallToolResult): Promise<CallToolResult> {
    const slots = contentSlots(result.content ?? []);
    if (result.structuredContent) collectStrings(result.structuredContent, slots, 0);
    await this.scan(slots, "tool result");
    return result;
  }

  /** A prompt's messages, likewise. */
  async scanPrompt(result: GetPromptResult): Promise<GetPromptResult> {
    await this.scan(contentSlots(result.messages.map((m) => m.content)), "prompt");
    return result;
  }

  private async scan(slots: TextSlot[], what: string): Promise<void> {
    if (slots.length === 0) return;
    let scan;
    try {
      scan = await this.pii.scan(slots.map((s) => s.get()), this.rules);
    } catch (err) {
      if (err instanceof PolicyRefusedError) {
        throw new SluiceError("unavailable", `the ${what} could not be checked for personal data (policy module failed); try again`, { cause: err });
      }
      throw err;
    }
    if (scan.outcome === "blocked") {
      throw new SluiceError("policy_blocked", `the ${what} contains data that may not be passed on: ${scan.blockedEntityTypes.join(", ")}`);
    }
    if (scan.outcome === "rewritten") slots.forEach((slot, i) => slot.set(scan.texts[i]!));
  }
}

interface TextSlot {
  get(): string;
  set(text: string): void;
}

/** Every free text of some content, as get/set pairs so the scanned texts go back where they came from. */
function contentSlots(content: readonly ContentBlock[]): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const item of content) {
    if (item.type === "text") slots.push({ get: () => item.text, set: (t) => (item.text = t) });
    else if (item.type === "resource" && "text" in item.resource) {
      const resource = item.resource;
      slots.push({ get: () => resource.text, set: (t) => (resource.text = t) });
    }
  }
  return slots;
}

/** Structured results are bounded JSON from the server; a depth cap keeps a hostile one from recursing deep. */
const MAX_DEPTH = 64;

function collectStrings(node: Record<string, unknown> | unknown[], slots: TextSlot[], depth: number): void {
  if (depth > MAX_DEPTH) throw new SluiceError("upstream_rejected", "the tool's structured result is nested too deep to check");
  const keys = Array.isArray(node) ? node.keys() : Object.keys(node);
  for (const key of keys) {
    const holder = node as Record<string | number, unknown>;
    const value = holder[key];
    if (typeof value === "string") slots.push({ get: () => holder[key] as string, set: (t) => (holder[key] = t) });
    else if (value && typeof value === "object") collectStrings(value as Record<string, unknown>, slots, depth + 1);
  }
}
