/**
 * Cost in USD from a pricing table and a canonical usage.
 *
 * The rule (canonical usage follows OpenAI): `inputTokens` INCLUDES `cachedInputTokens` (cache
 * reads) and `cacheWriteTokens`. So:
 *
 *   cost = (input - cached - cacheWrite) * input_price
 *        + cached     * (cached_input_price ?? input_price)
 *        + cacheWrite * (cache_write_price  ?? input_price)
 *        + output     * output_price            (all prices per 1M tokens)
 *
 * Anthropic reports cache reads/writes *outside* `input_tokens`; its adapter must add them into
 * `inputTokens` when building the canonical usage. Counts that do not add up (cached + writes >
 * input) are clamped so a billed token is never negative.
 */
export interface ModelPrice {
  input_per_mtok: number;
  output_per_mtok: number;
  cached_input_per_mtok?: number;
  cache_write_per_mtok?: number;
}

export type PricingTable = Record<string, ModelPrice>;

export interface CanonicalUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
}

const PER_MTOK = 1_000_000;

export function costUsd(price: ModelPrice, usage: CanonicalUsage): number {
  const input = Math.max(0, usage.inputTokens);
  const cached = Math.min(Math.max(0, usage.cachedInputTokens ?? 0), input);
  const writes = Math.min(Math.max(0, usage.cacheWriteTokens ?? 0), input - cached);
  const fresh = input - cached - writes;
  const output = Math.max(0, usage.outputTokens);
  const micro =
    fresh * price.input_per_mtok +
    cached * (price.cached_input_per_mtok ?? price.input_per_mtok) +
    writes * (price.cache_write_per_mtok ?? price.input_per_mtok) +
    output * price.output_per_mtok;
  return micro / PER_MTOK;
}

/**
 * Looks a model up by exact name, then by the longest `prefix*` pattern, so `gpt-4o-mini*` can
 * price dated snapshots. Undefined when the model has no price (caller decides: cost 0 + warn).
 */
export function findPrice(table: PricingTable, model: string): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  let best: { len: number; price: ModelPrice } | undefined;
  for (const [pattern, price] of Object.entries(table)) {
    if (!pattern.endsWith("*")) continue;
    const prefix = pattern.slice(0, -1);
    if (model.startsWith(prefix) && (!best || prefix.length > best.len)) best = { len: prefix.length, price };
  }
  return best?.price;
}

/** Cost of a request, 0 when the model is not priced. */
export function priceRequest(table: PricingTable, model: string, usage: CanonicalUsage): number {
  const price = findPrice(table, model);
  return price ? costUsd(price, usage) : 0;
}

/** Upper bound for a budget hold before dispatch: every input token fresh, max output used. */
export function estimateCostUsd(table: PricingTable, model: string, inputTokens: number, maxOutputTokens: number): number {
  return priceRequest(table, model, { inputTokens, outputTokens: maxOutputTokens });
}

/** Tokens that count against tpm: input (cached included) + output. */
export function usageTokens(usage: CanonicalUsage): number {
  return Math.max(0, usage.inputTokens) + Math.max(0, usage.outputTokens);
}
