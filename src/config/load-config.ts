import { type Config, ENV_VARS, EnvValueError, type EnvVar } from './env-schema.ts'

/** A start-up error: one line that names the variable and what is wrong, never a secret's value. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

const describeValue = (spec: EnvVar, raw: string) => (spec.secret ? '' : `, got ${JSON.stringify(raw)}`)

/** Reads, checks and freezes the whole configuration once; nothing else reads the environment. */
export const loadConfig = (env: Env): Config => {
  const config: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(ENV_VARS) as [string, EnvVar][]) {
    const fromEnv = env[spec.name] ?? (spec.oldName === undefined ? undefined : env[spec.oldName])
    const usedName = env[spec.name] === undefined && fromEnv !== undefined ? spec.oldName : spec.name
    const excused = spec.requiredUnless !== undefined && (env[spec.requiredUnless] ?? '').trim() !== ''
    if (spec.required && !excused && (fromEnv === undefined || fromEnv.trim() === '')) {
      throw new ConfigError(`${spec.name}: required, but not set`)
    }
    const raw = fromEnv ?? spec.default ?? ''
    try {
      config[key] = spec.parse(raw)
    } catch (error) {
      if (!(error instanceof EnvValueError)) throw error
      throw new ConfigError(`${usedName}: ${error.message}${describeValue(spec, raw)}`)
    }
  }
  return Object.freeze(config) as Config
}
