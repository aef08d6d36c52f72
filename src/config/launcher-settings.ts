import { createSqliteLimitStore } from '../limits/sqlite-limit-store.ts'
import type { LogLevel } from '../logging/logger.ts'
import { startupChecks } from '../startup-checks.ts'
import { loadConfigOrExit } from './load-config-or-exit.ts'

/**
 * Run by the launcher as a short-lived child (`bun src/config/launcher-settings.ts`): checks the
 * whole configuration (one line on stderr and exit code 2 when it is bad), prepares what the
 * workers share, and prints the few settings the launcher needs as one JSON line. The launcher so
 * never loads the schema, TypeBox or the mapping tables, which it would hold for its whole life
 * for one check at start-up.
 */
const { config, checked } = loadConfigOrExit(process.env, startupChecks)

// Created before the workers start, so they find it ready and a path that cannot be written is
// one line here, not a crash loop.
if (config.redisUrl === undefined && config.limitsDbPath !== undefined && checked.clientKeys.some((key) => key.limits)) {
  try {
    createSqliteLimitStore(config.limitsDbPath).close()
  } catch (error) {
    process.stderr.write(`configuration error: LIMITS_DB_PATH: cannot open ${config.limitsDbPath} (${(error as Error).message})\n`)
    process.exit(2)
  }
}

const settings: LauncherSettings = {
  workers: config.workers,
  port: config.port,
  host: config.host,
  metricsEnabled: config.metricsEnabled,
  metricsPort: config.metricsPort,
  logLevel: config.logLevel,
}
process.stdout.write(`${JSON.stringify(settings)}\n`)

export type LauncherSettings = {
  workers: number
  port: number
  host: string
  metricsEnabled: boolean
  metricsPort: number
  logLevel: LogLevel
}
