// `policies.pii.custom`: recognizers of the operator's own entity types, without code (Presidio's
// ad-hoc recognizers). Each entry is checked and compiled here, at config check and at start;
// the compiled programs go to the pii module as the slot's init data (PiiInitInput), and the
// module matches them in the sandbox (policy-wasm/pii/assembly/custom.ts, regex-vm.ts).
import { create, toBinary } from "@bufbuild/protobuf";
import type { PiiCustomRecognizerConfig } from "../../../gen/sluice/v1/config_pb.js";
import { PiiCustomRecognizerSchema, PiiInitInputSchema } from "../../../gen/sluice/policy/v1/policy_pb.js";
import { ABI_VERSION, type SlotInit } from "../../host/definitions.js";
import { compileRegex, RegexTooLargeError, requiredLiteral } from "./regex-program.js";
import { denyListNode, nullable, parseRegex, RegexSyntaxError } from "./regex-syntax.js";

/** Custom types per config at most (the module's entity table has room for them). */
const MAX_CUSTOM_RECOGNIZERS = 64;
const MAX_PATTERN_LENGTH = 1000;
const MAX_DENY_WORDS = 1000;
const MAX_CONTEXT_WORDS = 32;
const ENTITY_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
const MAX_ENTITY_NAME = 64;

/** A recognizer compiled for the module. */
interface CompiledRecognizer {
  entityType: string;
  patternProgram: Uint8Array;
  denyListProgram: Uint8Array;
  patternLiteral: Uint8Array;
  context: string;
  score: number;
  minScore: number;
}

type Entry = Pick<PiiCustomRecognizerConfig, "entity" | "pattern" | "context" | "denyList" | "score" | "minScore" | "ignoreCase">;

function where(index: number, entry: Entry): string {
  return `policies.pii.custom[${index}]${entry.entity ? ` (${entry.entity})` : ""}`;
}

/** Compiles one entry; `problems` gets what is wrong with it (then the result is unusable). */
function compileEntry(entry: Entry, index: number, builtins: ReadonlySet<string>, problems: string[]): CompiledRecognizer {
  const at = where(index, entry);
  let patternProgram: Uint8Array = new Uint8Array(0), denyListProgram: Uint8Array = new Uint8Array(0), patternLiteral: Uint8Array = new Uint8Array(0);
  if (!entry.entity) problems.push(`${at}.entity: required (an UPPER_SNAKE type name, e.g. EMPLOYEE_ID)`);
  else if (!ENTITY_NAME.test(entry.entity) || entry.entity.length > MAX_ENTITY_NAME) {
    problems.push(`${at}.entity: ${JSON.stringify(entry.entity)} is not an UPPER_SNAKE name (A-Z, 0-9 and single underscores, starting with a letter, at most ${MAX_ENTITY_NAME} characters)`);
  } else if (builtins.has(entry.entity)) {
    problems.push(`${at}.entity: ${entry.entity} is a built-in type (pick another name; the built-in one is turned on with \`actions\` or \`entities\`)`);
  }
  if (!entry.pattern && entry.denyList.length === 0) problems.push(`${at}: needs a \`pattern\`, a \`deny_list\` or both`);
  if (entry.pattern) {
    const shown = JSON.stringify(entry.pattern.length > 80 ? `${entry.pattern.slice(0, 77)}...` : entry.pattern);
    try {
      if (entry.pattern.length > MAX_PATTERN_LENGTH) throw new RegexTooLargeError(`longer than ${MAX_PATTERN_LENGTH} characters`);
      const tree = parseRegex(entry.pattern, entry.ignoreCase);
      if (nullable(tree)) problems.push(`${at}.pattern ${shown}: matches the empty string (every match must consume text)`);
      else {
        patternProgram = compileRegex(tree).bytes;
        patternLiteral = requiredLiteral(tree);
      }
    } catch (err) {
      if (!(err instanceof RegexSyntaxError || err instanceof RegexTooLargeError)) throw err;
      problems.push(`${at}.pattern ${shown}: ${err.message}`);
    }
  }
  if (entry.denyList.length > 0) {
    const bad = entry.denyList.findIndex((w) => w.trim() === "" || w !== w.trim() || w.length > 100);
    if (entry.denyList.length > MAX_DENY_WORDS) problems.push(`${at}.deny_list: more than ${MAX_DENY_WORDS} words`);
    else if (bad >= 0) problems.push(`${at}.deny_list[${bad}]: ${JSON.stringify(entry.denyList[bad])} must be a non-empty word or phrase of at most 100 characters, without leading or trailing spaces`);
    else {
      try {
        denyListProgram = compileRegex(denyListNode(entry.denyList)).bytes;
      } catch (err) {
        if (!(err instanceof RegexTooLargeError)) throw err;
        problems.push(`${at}.deny_list: ${err.message} (split it over several entries)`);
      }
    }
  }
  if (entry.context.length > MAX_CONTEXT_WORDS) problems.push(`${at}.context: more than ${MAX_CONTEXT_WORDS} words`);
  entry.context.forEach((w, k) => {
    if (!/^\S{1,64}$/.test(w)) problems.push(`${at}.context[${k}]: ${JSON.stringify(w)} must be one word (no spaces, 1 to 64 characters)`);
  });
  for (const [field, value] of [["score", entry.score], ["min_score", entry.minScore]] as const) {
    if (value !== undefined && !(value >= 0 && value <= 1)) problems.push(`${at}.${field}: expected a score from 0 to 1, got ${value}`);
  }
  return {
    entityType: entry.entity,
    patternProgram,
    denyListProgram,
    patternLiteral,
    context: entry.context.map((w) => w.replace(/[A-Z]/g, (c) => c.toLowerCase())).join(" "),
    score: entry.score ?? 1,
    minScore: entry.minScore ?? 0,
  };
}

function compileAll(entries: readonly Entry[], builtins: readonly string[]): { recognizers: CompiledRecognizer[]; problems: string[] } {
  const problems: string[] = [];
  if (entries.length > MAX_CUSTOM_RECOGNIZERS) problems.push(`policies.pii.custom: more than ${MAX_CUSTOM_RECOGNIZERS} recognizers`);
  const known = new Set(builtins);
  const seen = new Map<string, number>();
  const recognizers = entries.map((entry, index) => {
    const earlier = seen.get(entry.entity);
    if (entry.entity && earlier !== undefined) {
      problems.push(`${where(index, entry)}.entity: ${entry.entity} is already defined by policies.pii.custom[${earlier}] (one entry per type: join the patterns with |)`);
    }
    seen.set(entry.entity, index);
    return compileEntry(entry, index, known, problems);
  });
  return { recognizers, problems };
}

/** Problems of `policies.pii.custom`, for `config check` (every entry, with the reason). */
export function customRecognizerProblems(entries: readonly Entry[] | undefined, builtins: readonly string[]): string[] {
  return compileAll(entries ?? [], builtins).problems;
}

/** The entity types `policies.pii.custom` defines. */
export function customEntityTypes(entries: readonly Entry[] | undefined): string[] {
  return (entries ?? []).map((e) => e.entity).filter((e) => e !== "");
}

/** PiiInitInput with the compiled recognizers; throws when the config check would refuse them. */
export function encodePiiInit(entries: readonly Entry[], builtins: readonly string[]): Uint8Array {
  const { recognizers, problems } = compileAll(entries, builtins);
  if (problems.length > 0) throw new Error(`policies.pii.custom:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return toBinary(PiiInitInputSchema, create(PiiInitInputSchema, {
    abiVersion: ABI_VERSION,
    recognizers: recognizers.map((r) => create(PiiCustomRecognizerSchema, r)),
  }));
}

/** The pii slot's init (the module's `init` export with the compiled recognizers), or none when
 *  the config has no custom recognizers (a module without `init` then still fills the slot). */
export function customRecognizersInit(entries: readonly Entry[] | undefined, builtins: readonly string[]): SlotInit | undefined {
  if (!entries || entries.length === 0) return undefined;
  const bytes = encodePiiInit(entries, builtins);
  return { exportName: "init", input: () => Promise.resolve(bytes) };
}
