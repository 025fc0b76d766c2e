import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { parse as parseYaml } from "yaml";
import { ConfigSchema, type Config } from "../gen/sluice/v1/config_pb.js";
import { applyDefaults } from "./defaults.js";
import { interpolateEnv } from "./interpolate.js";
import { expandShorthands } from "./shorthands.js";
import { validateAgainst } from "./validate.js";

/** A config that cannot be used; `problems` name each field and what is wrong with it. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * Parses config text into a complete config: YAML, `${ENV}` interpolation, field types and
 * unknown fields checked against the proto schema, defaults applied. Rules that span the parts
 * (provider kinds, policy slots, references) are checked on top of this by src/app/load-config.ts;
 * `source` names the text in errors.
 */
export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv = process.env): Config {
  let tree: unknown;
  try {
    tree = parseYaml(text, { uniqueKeys: true }) ?? {};
  } catch (err) {
    throw new ConfigError(source, [`not valid YAML: ${(err as Error).message}`]);
  }
  const problems: string[] = [];
  tree = expandShorthands(interpolateEnv(tree, env, "", problems));
  problems.push(...validateAgainst(ConfigSchema, tree));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return applyDefaults(fromJson(ConfigSchema, tree as JsonValue));
}
