import { request } from "undici";
import type { ProviderEmbedderOptions } from "./config.js";
import { normalised, type Embedder } from "./embedder.js";

/**
 * Calls an OpenAI-compatible embeddings endpoint (`POST {baseUrl}/embeddings`). The gateway's own
 * `/v1/embeddings` speaks the same wire format, so pointing baseUrl at Sluice itself routes
 * embeddings through Sluice's provider layer (keys, limits, failover).
 */
export class ProviderEmbedder implements Embedder {
  readonly dims: number;
  readonly name: string;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly batchSize: number;

  constructor(private readonly options: ProviderEmbedderOptions) {
    this.dims = options.dims;
    this.name = `provider:${options.model}`;
    this.url = options.baseUrl.replace(/\/+$/, "") + "/embeddings";
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.batchSize = options.batchSize ?? 64;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      out.push(...(await this.embedBatch(texts.slice(i, i + this.batchSize))));
    }
    return out;
  }

  private async embedBatch(input: string[]): Promise<Float32Array[]> {
    const body: Record<string, unknown> = { model: this.options.model, input, encoding_format: "float" };
    if (this.options.sendDimensions) body.dimensions = this.dims;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const res = await request(this.url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      throw new Error(`embeddings endpoint answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    }
    const parsed = JSON.parse(text) as { data?: { index?: number; embedding?: unknown }[] };
    if (!Array.isArray(parsed.data) || parsed.data.length !== input.length) {
      throw new Error(`embeddings endpoint returned ${parsed.data?.length ?? "no"} vectors for ${input.length} inputs`);
    }
    const vectors = new Array<Float32Array>(input.length);
    parsed.data.forEach((item, position) => {
      const index = item.index ?? position;
      const e = item.embedding;
      if (!Array.isArray(e) || e.length !== this.dims || index < 0 || index >= input.length) {
        throw new Error(`embeddings endpoint returned a malformed vector (index ${index}, ${Array.isArray(e) ? e.length : typeof e} dims, expected ${this.dims})`);
      }
      vectors[index] = normalised(e as number[]);
    });
    return vectors;
  }
}
