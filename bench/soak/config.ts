import { hashApiKey } from "../../src/limits/keys.js";
import type { SoakKeys } from "./load.js";

/** The tenant whose full tpm must be usable again at the end, and that tpm. */
const FULL_TPM_TENANT = "acme";
export const ACME_TPM = 100_000;
export const DRAIN_TIMEOUT_MS = 5_000;

export const SOAK_KEYS: SoakKeys = {
  acme1: "sk-sluice-soak-acme-one",
  acme2: "sk-sluice-soak-acme-two",
  tight: "sk-sluice-soak-tight-one",
};
export const ADMIN_KEY = "sk-sluice-soak-admin";

/**
 * The gateway's config: two tenants with keys and rpm/tpm limits, the pii slot, Redis
 * (fail-open), and models routed over the fault-injecting upstream (`faulty`, whose `flaky-*`
 * models obey the requests' fault markers) with fallbacks to a steady one. Provider timeouts are
 * short so hung upstream requests end within the soak.
 */
export function soakConfig(o: { dataDir: string; redisUrl: string; faultyUrl: string; steadyUrl: string }): string {
  const timeouts = "{ connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000, total_ms: 20000 }";
  return `# sluice soak (bench/soak): written by the soak, one run only
server: { drain_timeout_ms: ${DRAIN_TIMEOUT_MS} }
data_dir: "${o.dataDir}"
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN_KEY)}" } ] }
redis: { url: "${o.redisUrl}" }
limits: { redis_fault_mode: fail-open, default_output_reserve: 256 }
providers:
  - { id: faulty, kind: openai, base_url: "${o.faultyUrl}", max_connections: 64, timeouts: ${timeouts} }
  - { id: steady, kind: openai, base_url: "${o.steadyUrl}", max_connections: 64, timeouts: ${timeouts} }
models:
  - { alias: chat, strategy: ordered, targets: [ { provider: faulty, model: flaky-chat }, { provider: steady, model: steady-chat } ] }
  - { alias: chat-solo, targets: [ { provider: faulty, model: flaky-solo } ] }
  - { alias: steady, targets: [ { provider: steady, model: steady-chat } ] }
  - { alias: emb, strategy: ordered, targets: [ { provider: faulty, model: flaky-embed }, { provider: steady, model: steady-embed } ] }
  - { alias: emb-solo, targets: [ { provider: faulty, model: flaky-embed-solo } ] }
routing:
  max_attempts: 4
  retries_per_target: 1
  backoff_ms: 20
  max_retry_after_ms: 1500
  breaker: { consecutive_failures: 5, error_rate: 0.5, min_attempts: 20, open_ms: 2000 }
pricing:
  "flaky*": { input_per_mtok: 0.15, output_per_mtok: 0.60 }
  "steady*": { input_per_mtok: 0.30, output_per_mtok: 1.20 }
policies:
  pii: { fail: closed, actions: { EMAIL_ADDRESS: placeholder, US_SSN: redact, CREDIT_CARD: placeholder } }
tenants:
  - id: ${FULL_TPM_TENANT}
    limits: { rpm: 100000, tpm: ${ACME_TPM} }
    budget: { daily_usd: 100000 }
    keys:
      - { id: acme-1, hash: "${hashApiKey(SOAK_KEYS.acme1)}", tags: { team: alpha } }
      - { id: acme-2, hash: "${hashApiKey(SOAK_KEYS.acme2)}" }
  - id: tight
    limits: { rpm: 30, tpm: 20000 }
    keys: [ { id: tight-1, hash: "${hashApiKey(SOAK_KEYS.tight)}" } ]
telemetry: { log_level: info, access_log: true }
`;
}
