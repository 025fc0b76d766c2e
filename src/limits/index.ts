/** The limits library: what the pipeline's `admit` and `settle` phases use. */
export * from "./types.js";
export { MemoryLimitStore, type MemoryLimitStoreOptions } from "./memory-store.js";
export { RedisLimitStore, type RedisLimitStoreOptions } from "./redis-store.js";
export { ResilientLimitStore, type RedisFaultMode, type ResilientLimitStoreOptions } from "./resilient-store.js";
export { createLimitsRedis, LIMITS_REDIS_OPTIONS } from "./redis-client.js";
export { BudgetAlerts, type BudgetAlertsOptions, type BudgetAlertPayload, type AlertLogger } from "./budget-alerts.js";
export * from "./pricing.js";
