import { SluiceError } from "../../errors/sluice-error.js";
import { parseRetryAfter, upstreamStatusError } from "../../errors/upstream.js";

/**
 * Bedrock's failures -> catalog errors, through the one status table (src/errors/upstream.ts).
 * HTTP errors carry their type in `x-amzn-errortype` (`ThrottlingException:http://...`) and a
 * `{ "message": ... }` body. Streams fail with exception frames (`:message-type: exception`,
 * `:exception-type: throttlingException`, body `{ "message": ... }`), which have no status of
 * their own: they are given the status the same exception has as an HTTP error.
 */

const exceptionStatus: Record<string, number> = {
  throttlingexception: 429,
  servicequotaexceededexception: 429,
  modelnotreadyexception: 503,
  validationexception: 400,
  resourcenotfoundexception: 404,
  accessdeniedexception: 403,
  modeltimeoutexception: 408,
  internalserverexception: 500,
  serviceunavailableexception: 503,
  modelstreamerrorexception: 502,
  modelerrorexception: 502,
};

/** An HTTP error answer (status >= 400) -> catalog error. */
export function fromBedrockHttpError(
  providerId: string,
  status: number,
  bodyText: string,
  errorTypeHeader: string | undefined,
  retryAfter: string | undefined,
): SluiceError {
  const type = errorTypeHeader?.split(":")[0] || undefined;
  const message = bodyMessage(bodyText);
  const text = type && message ? `${type}: ${message}` : (message ?? type);
  const retryAfterS = parseRetryAfter(retryAfter);
  // A service quota is a rate limit whatever status it came with (Bedrock sends it as 400).
  const effective = type?.toLowerCase() === "servicequotaexceededexception" ? 429 : status;
  return upstreamStatusError(providerId, effective, text, retryAfterS);
}

/**
 * An exception frame in a ConverseStream -> catalog error. Before the first chunk it maps like
 * the HTTP error of the same name (so a throttled stream can fail over); after it, the answer
 * is already partly out, so it is `stream_interrupted`.
 */
export function fromBedrockStreamException(providerId: string, exceptionType: string, body: Uint8Array, started: boolean): SluiceError {
  const message = bodyMessage(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  const text = message ? `${exceptionType}: ${message}` : exceptionType;
  if (started) return new SluiceError("stream_interrupted", `${providerId}: ${text}`);
  return upstreamStatusError(providerId, exceptionStatus[exceptionType.toLowerCase()] ?? 502, text);
}

function bodyMessage(bodyText: string): string | undefined {
  try {
    const parsed = JSON.parse(bodyText) as { message?: unknown; Message?: unknown };
    const m = parsed.message ?? parsed.Message;
    return typeof m === "string" && m !== "" ? m : undefined;
  } catch {
    return undefined;
  }
}
