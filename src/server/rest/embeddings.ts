import { create } from "@bufbuild/protobuf";
import { EmbedRequestSchema } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import type { Gateway } from "../../pipeline/gateway.js";
import { requestCall, type RestCall } from "../call.js";
import { readJsonBody } from "../http/body.js";
import { sendJson } from "../http/respond.js";
import type { HttpRequest, HttpResponse } from "../http/types.js";

/**
 * POST /v1/embeddings in OpenAI's shape: `input` is a string or an array of strings,
 * `encoding_format` "float" (default) or "base64" (little-endian float32, what the OpenAI SDKs
 * ask for by default), optional `dimensions`.
 */
export async function handleEmbeddings(gateway: Gateway, req: HttpRequest, res: HttpResponse, rest: RestCall): Promise<void> {
  const body = (await readJsonBody(req, rest.maxBodyBytes)) as Record<string, unknown>;
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw invalid("the body must be a JSON object", "body");
  if (typeof body.model !== "string" || body.model === "") throw invalid("model is required and must be a string", "model");
  const input = typeof body.input === "string" ? [body.input] : body.input;
  if (!Array.isArray(input) || !input.every((t) => typeof t === "string")) throw invalid("input must be a string or an array of strings", "input");
  const format = body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") throw invalid('encoding_format must be "float" or "base64"', "encoding_format");
  const dimensions = body.dimensions ?? 0;
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 0) throw invalid("dimensions must be a positive integer", "dimensions");

  const out = await gateway.embed(requestCall(rest.call, rest.signal, create(EmbedRequestSchema, { model: body.model, inputs: input as string[], dimensions })));
  const data = out.embeddings.map((e, index) => ({
    object: "embedding",
    index,
    embedding: format === "base64" ? Buffer.from(Float32Array.from(e.values).buffer).toString("base64") : e.values,
  }));
  const tokens = out.usage?.inputTokens ?? 0;
  sendJson(res, 200, JSON.stringify({ object: "list", data, model: out.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }), {
    "x-sluice-provider": out.provider,
  });
}

function invalid(message: string, param: string): SluiceError {
  return new SluiceError("invalid_request", message, { param });
}
