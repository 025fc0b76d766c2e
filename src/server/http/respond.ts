import { asSluiceError, toOpenAIErrorBody } from "../../errors/sluice-error.js";
import type { HttpResponse } from "./types.js";

export function sendJson(res: HttpResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Any error as OpenAI's error body, with its catalog status and retry-after when known. */
export function sendError(res: HttpResponse, err: unknown, headers: Record<string, string> = {}): void {
  const error = asSluiceError(err);
  const extra: Record<string, string> = { ...headers };
  if (error.retryAfterS !== undefined) extra["retry-after"] = String(Math.ceil(error.retryAfterS));
  sendJson(res, error.httpStatus, toOpenAIErrorBody(error), extra);
}
