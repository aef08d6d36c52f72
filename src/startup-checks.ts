import { buildClientKeys } from './auth/client-keys.ts'
import type { Config } from './config/env-schema.ts'
import { buildUpstreamHeaders } from './upstream/upstream-headers.ts'

/**
 * The checks of a loaded configuration that can still fail (each throws a ConfigError naming the
 * variable): the upstream headers and the client keys. Run by the launcher's check and by every
 * worker, so neither starts on what the other would refuse.
 */
export const startupChecks = (config: Config) => ({ headers: buildUpstreamHeaders(config), clientKeys: buildClientKeys(config) })
