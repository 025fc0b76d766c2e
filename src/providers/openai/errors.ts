import type { SluiceError } from "../../errors/sluice-error.js";
import { parseRetryAfter, upstreamStatusError } from "../../errors/upstream.js";

/** An OpenAI error response (`{ error: { message } }`, or anything else) -> catalog error. */
export function fromOpenAIError(providerId: string, status: number, bodyText: string, retryAfter: string | undefined): SluiceError {
  let message: string | undefined;
  try {
    const parsed = JSON.parse(bodyText) as { error?: { message?: string } | string; message?: string };
    message = typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message);
  } catch {
    message = undefined;
  }
  const retryAfterS = parseRetryAfter(retryAfter);
  return upstreamStatusError(providerId, status, message, retryAfterS);
}
