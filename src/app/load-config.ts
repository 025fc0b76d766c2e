import { readFileSync } from "node:fs";
import type { Config } from "../gen/sluice/v1/config_pb.js";
import { builtinConfig } from "../config/defaults.js";
import { ConfigError, parseConfigText } from "../config/load.js";
import { checkConfig } from "./check-config.js";

/** Parses and checks config text (schema, defaults, then the rules that span the parts); `source` names it in errors. */
export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): Config {
  const config = parseConfigText(text, source, env);
  const problems = checkConfig(config);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
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

/** The config named by `--config` / `SLUICE_CONFIG`, or the built-in one. */
export function resolveConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  return path ? loadConfigFile(path, env) : builtinConfig();
}
