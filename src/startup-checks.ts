import { buildClientKeys } from './auth/client-keys.ts'
import type { Config } from './config/env-schema.ts'
import { buildPoolMembers } from './upstream/pool-members.ts'

/**
 * The checks of a loaded configuration that can still fail (each throws a ConfigError naming the
 * variable): the upstream pool (its members' headers) and the client keys. Run by the launcher's check and by every
 * worker, so neither starts on what the other would refuse.
 */
export const startupChecks = (config: Config) => ({ upstreams: buildPoolMembers(config), clientKeys: buildClientKeys(config) })
