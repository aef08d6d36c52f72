// The targets one benchmark run measures, and how each is started.

import type { Mode } from './cell.ts'
import { LIMITED_KEY, type TargetKind } from './requests.ts'
import { type Service, startBare, startFloor, startGateway } from './targets.ts'

export interface TargetPlan {
  name: string
  kind: TargetKind
  workers: number
  modes: Mode[]
  /** Measured at these concurrencies only, where its check looks; default: all of the run's. */
  concurrencies?: number[]
  /** Held to the open-streams memory tests too. */
  memory: boolean
  /**
   * What a scenario needs that a gateway may not have yet. When it does not start or does not
   * answer right, the report says "not measured" with this, and the run goes on.
   */
  needs?: string
  /** Where the limited key's counters live: the gateway's own store, or the run's redis-server. */
  counters?: 'embedded' | 'redis'
}

/** The names the checks compare, so that the list below may be reordered freely. */
export const NAMES = {
  bare: 'bare',
  floorTransform: 'floor-transform',
  floorMapper: 'floor-mapper',
  gateway: 'gateway-w1',
  gateway2: 'gateway-w2',
  responses: 'gateway-w1-responses',
  responsesStored: 'gateway-w1-responses-stored',
  limited: 'gateway-w1-limited',
  limitedRedis: 'gateway-w1-limited-redis',
}
export type TargetNames = typeof NAMES

const BOTH: Mode[] = ['non-stream', 'stream']
// The checks of the scenarios below compare at c=64 only, with the gateway-w1 cell of the same run.
const AT_64 = [64]

export const TARGETS: TargetPlan[] = [
  { name: NAMES.bare, kind: 'bare', workers: 1, modes: BOTH, memory: true },
  // The transform floor relays JSON exactly as bare does: only its streams tell something.
  { name: NAMES.floorTransform, kind: 'floor-transform', workers: 1, modes: ['stream'], memory: true },
  { name: NAMES.floorMapper, kind: 'floor-mapper', workers: 1, modes: BOTH, memory: true },
  { name: NAMES.gateway, kind: 'gateway', workers: 1, modes: BOTH, memory: true },
  { name: NAMES.gateway2, kind: 'gateway', workers: 2, modes: BOTH, memory: true },
  {
    name: NAMES.responses,
    kind: 'gateway-responses',
    workers: 1,
    modes: ['stream'],
    concurrencies: AT_64,
    memory: false,
    needs: 'the /v1/responses route (issue 12)',
  },
  {
    name: NAMES.responsesStored,
    kind: 'gateway-responses-stored',
    workers: 1,
    modes: ['stream'],
    concurrencies: AT_64,
    memory: false,
    needs: 'the /v1/responses route and its store (issue 12)',
  },
  {
    name: NAMES.limited,
    kind: 'gateway-limited',
    workers: 1,
    modes: ['non-stream'],
    concurrencies: AT_64,
    memory: false,
    needs: 'CLIENT_KEYS_JSON (issue 14)',
    counters: 'embedded',
  },
  {
    name: NAMES.limitedRedis,
    kind: 'gateway-limited',
    workers: 1,
    modes: ['non-stream'],
    concurrencies: AT_64,
    memory: false,
    needs: 'CLIENT_KEYS_JSON and REDIS_URL (issue 14)',
    counters: 'redis',
  },
]

// Far above what this machine can send in a minute (~40,000 requests a second, 512 tokens each
// reserved): the key is counted on every request and never refused.
const CLIENT_KEYS_JSON = JSON.stringify([{ name: 'bench-limited', key: LIMITED_KEY, rpm: 1_000_000_000, tpm: 1_000_000_000_000 }])

export interface StartContext {
  upstream: Service
  logDir: string
  /** The run's redis-server, for `counters: 'redis'`, or why there is none. */
  redis?: Service | string
}

/** The gateway's settings for a scenario, beyond what every gateway target gets. */
function scenarioEnv(plan: TargetPlan, { logDir, redis }: StartContext): Record<string, string> {
  // Stored responses go with the run's logs, not into the repository's ./data.
  if (plan.kind === 'gateway-responses' || plan.kind === 'gateway-responses-stored') return { RESPONSES_DB_PATH: `${logDir}/responses.sqlite` }
  if (plan.kind !== 'gateway-limited') return {}
  if (plan.counters === 'redis') {
    if (typeof redis !== 'object') throw new Error(redis ?? 'no redis-server was started')
    return { CLIENT_KEYS_JSON, REDIS_URL: redis.url }
  }
  return { CLIENT_KEYS_JSON }
}

export function startTarget(plan: TargetPlan, context: StartContext): Promise<Service> {
  const { upstream, logDir } = context
  switch (plan.kind) {
    case 'bare':
      return startBare(plan.name, upstream, logDir)
    case 'floor-transform':
      return startFloor(plan.name, 'transform', upstream, logDir)
    case 'floor-mapper':
      return startFloor(plan.name, 'mapper', upstream, logDir)
    default:
      return startGateway(plan.name, upstream, plan.workers, logDir, scenarioEnv(plan, context))
  }
}
