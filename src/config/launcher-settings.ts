import type { LogLevel } from '../logging/logger.ts'
import { buildUpstreamHeaders } from '../upstream/upstream-headers.ts'
import { loadConfigOrExit } from './load-config-or-exit.ts'

/**
 * Run by the launcher as a short-lived child (`bun src/config/launcher-settings.ts`): checks the
 * whole configuration (one line on stderr and exit code 2 when it is bad) and prints the few
 * settings the launcher needs as one JSON line. The launcher so never loads the schema, TypeBox
 * or the mapping tables, which it would hold for its whole life for one check at start-up.
 */
const { config } = loadConfigOrExit(process.env, buildUpstreamHeaders)
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
