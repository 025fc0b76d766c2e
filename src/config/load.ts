import { readFileSync } from "node:fs";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { parse as parseYaml } from "yaml";
import { ConfigSchema, type Config } from "../gen/sluice/v1/config_pb.js";
import { applyDefaults, builtinConfig } from "./defaults.js";
import { interpolateEnv } from "./interpolate.js";
import { checkConfig } from "./check.js";
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

/** Reads, interpolates, validates and completes a YAML config file. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  return parseConfig(text, path, env);
}

/** Parses config text; `source` names it in errors. */
export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): Config {
  let tree: unknown;
  try {
    tree = parseYaml(text, { uniqueKeys: true }) ?? {};
  } catch (err) {
    throw new ConfigError(source, [`not valid YAML: ${(err as Error).message}`]);
  }
  const problems: string[] = [];
  tree = interpolateEnv(tree, env, "", problems);
  problems.push(...validateAgainst(ConfigSchema, tree));
  if (problems.length > 0) throw new ConfigError(source, problems);

  const config = applyDefaults(fromJson(ConfigSchema, tree as JsonValue));
  const semantic = checkConfig(config);
  if (semantic.length > 0) throw new ConfigError(source, semantic);
  return config;
}

/** The config named by `--config` / `SLUICE_CONFIG`, or the built-in one. */
export function resolveConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  return path ? loadConfigFile(path, env) : builtinConfig();
}
