// A prompt file: YAML with an id, a default model alias, template messages, declared variables
// and default generation params. Parsed and checked once when pushed (and again when a stored
// version is loaded), so a request never meets a malformed template.
import { parse } from "yaml";
import { SluiceError } from "../errors/sluice-error.js";

const ROLES = ["system", "developer", "user", "assistant"] as const;
type TemplateRole = (typeof ROLES)[number];

export interface TemplateMessage {
  role: TemplateRole;
  content: string;
}

interface VariableSpec {
  required: boolean;
  /** Used when the request does not give the variable (absent: "" for an optional variable). */
  default: string | undefined;
}

/** Generation defaults of a prompt; a request's own params win. Names as in OpenAI's API. */
interface PromptParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  seed?: number;
  stop?: string[];
}

export interface PromptTemplate {
  id: string;
  /** The default model alias ("" when the prompt names none: the request must). */
  model: string;
  messages: TemplateMessage[];
  variables: Record<string, VariableSpec>;
  params: PromptParams;
}

/** `{{ name }}`: the only template syntax there is (no expressions, no loops, no filters). */
export const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const NUMBER_PARAMS = ["temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty", "seed"] as const;

function bad(message: string, param = "prompt"): never {
  throw new SluiceError("invalid_request", `prompt file: ${message}`, { param });
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], at: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) bad(`unknown field ${at}${key} (allowed: ${allowed.join(", ")})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** YAML text -> a checked template; every problem is an `invalid_request` naming the field. */
export function parsePromptFile(source: string): PromptTemplate {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (err) {
    bad(`not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!isObject(doc)) bad("must be a YAML mapping");
  onlyKeys(doc, ["id", "model", "messages", "variables", "params"], "");
  if (typeof doc.id !== "string" || !ID.test(doc.id)) bad("id is required: letters, digits, '.', '_', '-' (at most 128)");
  if (doc.model !== undefined && typeof doc.model !== "string") bad("model must be a string (a model alias)");
  if (!Array.isArray(doc.messages) || doc.messages.length === 0) bad("messages must be a non-empty list");

  const messages = doc.messages.map((m: unknown, i: number): TemplateMessage => {
    if (!isObject(m)) bad(`messages[${i}] must be a mapping with role and content`);
    onlyKeys(m, ["role", "content"], `messages[${i}].`);
    if (!ROLES.includes(m.role as TemplateRole)) bad(`messages[${i}].role must be one of ${ROLES.join(", ")}`);
    if (typeof m.content !== "string") bad(`messages[${i}].content must be a string`);
    return { role: m.role as TemplateRole, content: m.content };
  });

  const variables: Record<string, VariableSpec> = {};
  if (doc.variables !== undefined && doc.variables !== null) {
    if (!isObject(doc.variables)) bad("variables must be a mapping of name -> { required, default }");
    for (const [name, spec] of Object.entries(doc.variables)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) bad(`variable name ${JSON.stringify(name)} must be letters, digits and '_'`);
      const s = spec ?? {};
      if (!isObject(s)) bad(`variables.${name} must be a mapping ({ required: true } or { default: ... })`);
      onlyKeys(s, ["required", "default"], `variables.${name}.`);
      if (s.required !== undefined && typeof s.required !== "boolean") bad(`variables.${name}.required must be true or false`);
      if (s.default !== undefined && !["string", "number", "boolean"].includes(typeof s.default)) bad(`variables.${name}.default must be text`);
      if (s.required === true && s.default !== undefined) bad(`variables.${name}: a required variable has no default`);
      variables[name] = { required: s.required === true, default: s.default === undefined ? undefined : String(s.default) };
    }
  }
  // Every placeholder must be declared: a typo in a template is found at push, not per request.
  messages.forEach((m, i) => {
    for (const [, name] of m.content.matchAll(PLACEHOLDER)) {
      if (!(name! in variables)) bad(`messages[${i}] uses {{${name}}}, which is not declared under variables`);
    }
  });

  const params: PromptParams = {};
  if (doc.params !== undefined && doc.params !== null) {
    if (!isObject(doc.params)) bad("params must be a mapping");
    onlyKeys(doc.params, [...NUMBER_PARAMS, "stop"], "params.");
    for (const key of NUMBER_PARAMS) {
      const v = doc.params[key];
      if (v === undefined) continue;
      if (typeof v !== "number" || !Number.isFinite(v)) bad(`params.${key} must be a number`);
      if ((key === "max_tokens" || key === "seed") && (!Number.isInteger(v) || v < 0)) bad(`params.${key} must be a non-negative integer`);
      params[key] = v;
    }
    const stop = doc.params.stop;
    if (stop !== undefined) {
      const list = typeof stop === "string" ? [stop] : stop;
      if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) bad("params.stop must be a string or a list of strings");
      params.stop = list as string[];
    }
  }
  return { id: doc.id, model: (doc.model as string | undefined) ?? "", messages, variables, params };
}
