import { create } from "@bufbuild/protobuf";
import {
  ConfigSchema,
  ModelAliasConfigSchema,
  ProviderConfigSchema,
  ServerConfigSchema,
  ServerTimeoutsSchema,
  TelemetryConfigSchema,
  type Config,
} from "../gen/sluice/v1/config_pb.js";

/** The defaults documented in proto/sluice/v1/config.proto, in one place. */
const DEFAULT_LISTEN = "127.0.0.1:8080";
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
const DEFAULT_SERVER_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, idleMs: 65_000 };
const DEFAULT_DATA_DIR = "./.sluice";
export const DEFAULT_PROVIDER_TIMEOUTS = { connectMs: 5_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 600_000 };
export const DEFAULT_MAX_CONNECTIONS = 128;
export const DEFAULT_MOCK_LOREM_TOKENS = 64;

/** `server.cors.max_age_s`: how long browsers may cache a preflight answer. */
export const DEFAULT_CORS_MAX_AGE_S = 600;

/** The built-in config: loopback, the mock provider, no keys. `npm start` runs on it. */
export function builtinConfig(): Config {
  return applyDefaults(create(ConfigSchema, {}));
}

/** Fills in every default the config reference promises. Mutates and returns `config`. */
export function applyDefaults(config: Config): Config {
  const server = (config.server ??= create(ServerConfigSchema));
  server.listen ||= DEFAULT_LISTEN;
  server.maxBodyBytes ||= DEFAULT_MAX_BODY_BYTES;
  server.drainTimeoutMs ||= DEFAULT_DRAIN_TIMEOUT_MS;
  const timeouts = (server.timeouts ??= create(ServerTimeoutsSchema));
  timeouts.headersMs ||= DEFAULT_SERVER_TIMEOUTS.headersMs;
  timeouts.requestMs ||= DEFAULT_SERVER_TIMEOUTS.requestMs;
  timeouts.idleMs ||= DEFAULT_SERVER_TIMEOUTS.idleMs;
  config.dataDir ||= DEFAULT_DATA_DIR;

  if (config.providers.length === 0) {
    config.providers.push(create(ProviderConfigSchema, { id: "mock", kind: "mock" }));
    if (config.models.length === 0) {
      for (const model of ["mock-echo", "mock-lorem", "mock-embed"]) {
        config.models.push(
          create(ModelAliasConfigSchema, { alias: model, targets: [{ provider: "mock", model, weight: 1 }] }),
        );
      }
    }
  }
  for (const provider of config.providers) {
    provider.maxConnections ||= DEFAULT_MAX_CONNECTIONS;
  }
  for (const alias of config.models) {
    for (const target of alias.targets) target.weight ||= 1;
  }
  const telemetry = (config.telemetry ??= create(TelemetryConfigSchema));
  telemetry.logLevel ||= "info";
  telemetry.accessLog ??= true;
  return config;
}
