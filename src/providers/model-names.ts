import { SluiceError } from "../errors/sluice-error.js";

/**
 * Which provider model names each provider kind accepts. A caller can name any model of a
 * configured provider directly (`<provider id>/<model>`), and some adapters put that name in the
 * upstream URL's path, sent with the provider's credentials: a name must never be able to step
 * out of its path segment (`..`, `/`, `%2F`, `?`, `#`). So every kind has a strict character set,
 * and the adapters that build a URL from the name check it again and percent-encode it (a `:`
 * goes as `%3A`).
 *
 * | kind | where the name goes | accepted |
 * |---|---|---|
 * | gemini | `/models/{model}:generateContent` | letters, digits, `.`, `_`, `-`, `:`; or `tunedModels/` + the same |
 * | azure-openai | `/openai/deployments/{deployment}/...` | letters, digits, `.`, `_`, `-`, `:` |
 * | bedrock | `/model/{modelId}/converse` (one encoded segment) | letters, digits, `.`, `_`, `-`, `:`; `/` only in an ARN (`arn:...`) |
 * | openai, anthropic, mock | the JSON body | printable characters, no spaces or control characters |
 *
 * A name is at most 256 characters; those that go in a URL start with a letter or a digit and
 * hold no `..`.
 */
const MAX_MODEL_NAME_CHARS = 256;

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const BEDROCK_ARN = /^arn:[A-Za-z0-9._:/-]+$/;
const PRINTABLE = /^[^\p{C}\p{Z}\s]+$/u;

interface Rule {
  test(model: string): boolean;
  expected: string;
}

const rules: Record<string, Rule> = {
  gemini: { test: (m) => SEGMENT.test(m.startsWith("tunedModels/") ? m.slice("tunedModels/".length) : m), expected: "letters, digits, '.', '_', '-' and ':' (optionally after `tunedModels/`)" },
  "azure-openai": { test: (m) => SEGMENT.test(m), expected: "letters, digits, '.', '_', '-' and ':'" },
  bedrock: { test: (m) => SEGMENT.test(m) || BEDROCK_ARN.test(m), expected: "letters, digits, '.', '_', '-' and ':' ('/' only in an ARN)" },
};
const bodyOnly: Rule = { test: (m) => PRINTABLE.test(m), expected: "printable characters, without spaces or control characters" };

/** What is wrong with a provider model name for a provider kind, or undefined when nothing is. */
export function modelNameProblem(kind: string, model: string): string | undefined {
  const rule = rules[kind] ?? bodyOnly;
  if (model.length === 0) return "the provider model name is empty";
  if (model.length > MAX_MODEL_NAME_CHARS) return `a provider model name has at most ${MAX_MODEL_NAME_CHARS} characters`;
  const inUrl = rules[kind] !== undefined;
  if (!rule.test(model) || (inUrl && model.includes(".."))) return `${kind} model names are ${rule.expected}${inUrl ? ", without '..'" : ""}`;
  return undefined;
}

/** Throws `invalid_request` (param `model`) when the name is not one the kind accepts. */
export function requireModelName(kind: string, model: string): void {
  const problem = modelNameProblem(kind, model);
  if (problem) throw new SluiceError("invalid_request", `invalid model name: ${problem}`, { param: "model" });
}
