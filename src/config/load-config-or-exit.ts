import type { Config } from './env-schema.ts'
import { ConfigError, loadConfig } from './load-config.ts'

/** For entry points: a bad configuration is one line on stderr and exit code 2, never a stack trace. */
export const loadConfigOrExit = <T>(env: Record<string, string | undefined>, check: (config: Config) => T = () => undefined as T) => {
  try {
    const config = loadConfig(env)
    return { config, checked: check(config) }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`configuration error: ${error.message}\n`)
    process.exit(2)
  }
}
