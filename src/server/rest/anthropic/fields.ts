import { SluiceError } from "../../../errors/sluice-error.js";

/*
 * Typed reads of a JSON body's fields for the Anthropic surface: a field of the wrong type is
 * a 400 `invalid_request` naming the field by its path (`messages.0.content.1.source`, the way
 * Anthropic's own errors name fields); an absent or null optional field is `undefined`.
 */

export type Json = Record<string, unknown>;

export function invalid(message: string, param: string): never {
  throw new SluiceError("invalid_request", message, { param });
}

export function asObject(value: unknown, at: string): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    invalid(at === "" ? "the body must be a JSON object" : `${at}: must be an object`, at || "body");
  }
  return value as Json;
}

export function asArray(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) invalid(`${at}: must be an array`, at);
  return value;
}

export function requiredString(value: unknown, at: string): string {
  if (typeof value !== "string") invalid(`${at}: Field required (a string)`, at);
  return value;
}

export function optString(value: unknown, at: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") invalid(`${at}: must be a string`, at);
  return value;
}

export function optNumber(value: unknown, at: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) invalid(`${at}: must be a number`, at);
  return value;
}

/** A non-negative integer that fits the canonical uint32 fields (a larger one is refused, not wrapped). */
export function optUint32(value: unknown, at: string): number | undefined {
  const n = optNumber(value, at);
  if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff)) invalid(`${at}: must be an integer between 0 and ${0xffff_ffff}`, at);
  return n;
}

export function optBoolean(value: unknown, at: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") invalid(`${at}: must be true or false`, at);
  return value;
}
