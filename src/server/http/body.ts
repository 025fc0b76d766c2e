import { SluiceError } from "../../errors/sluice-error.js";
import type { HttpRequest } from "./types.js";

/**
 * Reads a JSON request body of at most `maxBytes`. A declared length over the limit is
 * refused before reading; a body that grows past it while streaming is refused as soon as it
 * does (the rest is not buffered).
 */
export async function readJsonBody(req: HttpRequest, maxBytes: number): Promise<unknown> {
  const type = req.headers["content-type"];
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new SluiceError("unsupported_media_type", `Content-Type must be application/json, got ${type ? JSON.stringify(type) : "none"}`);
  }
  const declared = Number(req.headers["content-length"]);
  if (declared > maxBytes) throw tooLarge(maxBytes);

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SluiceError("malformed_body", `the body is not valid JSON: ${(err as Error).message}`);
  }
}

function tooLarge(maxBytes: number): SluiceError {
  return new SluiceError("body_too_large", `the body is larger than the limit of ${maxBytes} bytes`);
}

/** The token from `Authorization: Bearer <token>` (case-insensitive scheme), if any. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's `x-request-id`, kept only when it is safe to echo and log. */
export function callerRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === "string" && safeRequestId.test(header) ? header : undefined;
}
