import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/app/load-config.js";
import { startGateway, type RunningGateway } from "../../src/app/start-gateway.js";
import { createLogger } from "../../src/telemetry/logger.js";

/**
 * Starts the real gateway (the same code `sluice serve` runs) on an ephemeral loopback port
 * with a YAML config. Logs are silenced unless SLUICE_TEST_LOG names a level.
 */
export async function startTestGateway(yaml = "", env: NodeJS.ProcessEnv = process.env): Promise<RunningGateway> {
  const config = parseConfig(yaml, "test config", env);
  // State (the usage ledger) goes to a temporary directory unless the test names one.
  if (!/^data_dir:/m.test(yaml)) config.dataDir = mkdtempSync(join(tmpdir(), "sluice-test-"));
  return startGateway(config, { port: 0, logger: createLogger(process.env.SLUICE_TEST_LOG ?? "silent") });
}
