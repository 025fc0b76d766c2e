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

  const text = await readText(req, maxBytes);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SluiceError("malformed_body", `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** The body as UTF-8 text; events rather than async iteration, which costs more per request. */
function readText(req: HttpRequest, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.resume(); // discard the rest without buffering it
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new SluiceError("malformed_body", "the request body could not be read", { cause: err }));
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
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
