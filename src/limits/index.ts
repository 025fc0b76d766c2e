/** The limits library: what the pipeline's `admit` and `settle` phases use. */
export * from "./types.js";
export { MemoryLimitStore } from "./memory-store.js";
export { RedisLimitStore } from "./redis-store.js";
export { ResilientLimitStore } from "./resilient-store.js";
export { createLimitsRedis } from "./redis-client.js";
export { BudgetAlerts } from "./budget-alerts.js";
export * from "./pricing.js";
