import { OpenAIError } from '../errors/openai-error.ts'
import type { Logger } from '../logging/logger.ts'
import { emptyHistogram, type Histogram, increment, observe } from '../metrics/metrics-registry.ts'
import { type Breaker, type BreakerResult, type BreakerSettings, type BreakerState, createBreaker } from './breaker.ts'
import { pickSticky, pickWeighted } from './pick-member.ts'
import type { PoolMember } from './pool-members.ts'

/** How one attempt on one upstream ended, as counted in /metrics and fed to its breaker. */
export type AttemptOutcome =
  | 'ok'
  | 'client_error'
  | 'rate_limited'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'unreachable'
  | 'auth_error'
  | 'bad_response'
  | 'cancelled'

const BREAKER_RESULT: Readonly<Record<AttemptOutcome, BreakerResult>> = {
  ok: 'success',
  // The request was wrong, not the upstream.
  client_error: 'success',
  rate_limited: 'failure',
  overloaded: 'failure',
  server_error: 'failure',
  timeout: 'failure',
  unreachable: 'failure',
  bad_response: 'failure',
  auth_error: 'auth_failure',
  cancelled: 'released',
}

export const outcomeOfStatus = (status: number): AttemptOutcome => {
  if (status < 400) return 'ok'
  if (status === 401 || status === 403) return 'auth_error'
  if (status === 429) return 'rate_limited'
  if (status === 529) return 'overloaded'
  return status >= 500 ? 'server_error' : 'client_error'
}

/** The codes of the errors an attempt can end in before its first byte (upstream-error.ts), by outcome. */
const OUTCOME_OF_CODE: Readonly<Record<string, AttemptOutcome>> = {
  client_closed: 'cancelled',
  upstream_timeout: 'timeout',
  upstream_unreachable: 'unreachable',
  upstream_bad_response: 'bad_response',
  upstream_authentication_error: 'auth_error',
  rate_limit_exceeded: 'rate_limited',
  overloaded: 'overloaded',
  api_error: 'server_error',
  upstream_error: 'server_error',
  stream_incomplete: 'server_error',
}

export const outcomeOfError = (error: OpenAIError): AttemptOutcome => OUTCOME_OF_CODE[error.code ?? ''] ?? 'client_error'

/** Outcomes another upstream may fix; 401/403 only where there is another upstream to ask. */
export const FAILOVER_OUTCOMES: ReadonlySet<AttemptOutcome> = new Set(['rate_limited', 'overloaded', 'server_error', 'timeout', 'unreachable', 'auth_error'])

export type PoolSnapshot = {
  /** JSON [upstream, outcome] → attempts. */
  attempts: Record<string, number>
  /** JSON [upstream, state] → 1: summed over workers, it counts the workers that see that state. */
  breakers: Record<string, number>
  firstByte: Record<string, Histogram>
}

const allUnavailable = (retryAfterSeconds: number) =>
  new OpenAIError({
    status: 503,
    type: 'server_error',
    code: 'all_upstreams_unavailable',
    message: `Every upstream for this model is out after recent failures; retry in ${retryAfterSeconds} s`,
    headers: { 'retry-after': String(retryAfterSeconds) },
  })

const noUpstreamFor = (model: string) =>
  new OpenAIError({ status: 404, type: 'invalid_request_error', code: 'model_not_found', message: `No upstream serves the model ${model}`, param: 'model' })

type Slot = {
  member: PoolMember
  breaker: Breaker | undefined
  firstByte: Histogram
  /** Its attempt counter keys, JSON [upstream, outcome], made once at start-up, not per attempt. */
  attemptKeys: Readonly<Record<AttemptOutcome, string>>
}

const attemptKeysOf = (name: string) =>
  Object.fromEntries((Object.keys(BREAKER_RESULT) as AttemptOutcome[]).map((outcome) => [outcome, JSON.stringify([name, outcome])])) as Record<
    AttemptOutcome,
    string
  >

/**
 * The upstream pool: which member an attempt goes to (sticky by session hint, else weighted
 * random, among members that serve the model and whose breaker lets them), and what each attempt
 * did to that member's breaker and counters. A pool of one has no breaker: its users get the
 * upstream's own answers, as before there was a pool; likewise the last member still in for its
 * models stays in after ordinary failures (only a rejected key takes it out).
 */
export const createUpstreamPool = (
  members: readonly PoolMember[],
  settings: BreakerSettings,
  { log, now = () => performance.now(), random = Math.random }: { log: Logger; now?: () => number; random?: () => number },
) => {
  const slots = new Map<PoolMember, Slot>(
    members.map((member) => [
      member,
      { member, breaker: members.length > 1 ? createBreaker(settings, now) : undefined, firstByte: emptyHistogram(), attemptKeys: attemptKeysOf(member.name) },
    ]),
  )
  const all = [...slots.values()]
  const attempts: Record<string, number> = {}
  const usable = (slot: Slot) => !slot.breaker || slot.breaker.available()
  /** Whether `other` may take requests that `member` would get: it serves one of the same models. */
  const covers = (other: PoolMember, member: PoolMember) => !other.models || !member.models || [...member.models].some((model) => other.models?.has(model))
  /** Another member that is in and serves what `member` serves: only then may `member` go out. */
  const replaceable = (member: PoolMember) => all.some((other) => other.member !== member && usable(other) && covers(other.member, member))

  return {
    single: members.length === 1,
    /**
     * The member for the next attempt, among those serving `model` (all when it is undefined):
     * one not yet `tried` when there is one, else a tried one again. Throws 503 all_upstreams_unavailable (with retry-after) when every member serving the
     * model is out, 404 when none serves it.
     */
    pick({ model, hint, tried }: { model: string | undefined; hint: string | undefined; tried: { has: (member: PoolMember) => boolean } }): PoolMember {
      const serving = model === undefined ? all : all.filter((slot) => !slot.member.models || slot.member.models.has(model))
      if (serving.length === 0) throw noUpstreamFor(model as string)
      // A pool of one has no breaker and no choice to make.
      if (serving.length === 1 && !serving[0]?.breaker) return (serving[0] as Slot).member
      const open = serving.filter(usable)
      if (open.length === 0) {
        const soonest = Math.min(...serving.map((slot) => slot.breaker?.availableAt() ?? 0))
        throw allUnavailable(Math.max(1, Math.ceil((soonest - now()) / 1000)))
      }
      const fresh = open.filter((slot) => !tried.has(slot.member))
      const from = (fresh.length > 0 ? fresh : open).map((slot) => slot.member)
      const member = (hint === undefined ? pickWeighted(from, random) : pickSticky(hint, from)) as PoolMember
      slots.get(member)?.breaker?.take()
      return member
    },
    /** What an attempt on `member` came to; `firstByteMs` when it got its answer's start. */
    report(member: PoolMember, outcome: AttemptOutcome, { retryAfterMs, firstByteMs }: { retryAfterMs?: number; firstByteMs?: number } = {}) {
      const slot = slots.get(member) as Slot
      increment(attempts, slot.attemptKeys[outcome])
      if (firstByteMs !== undefined) observe(slot.firstByte, firstByteMs / 1000)
      // The last member in for its models is never taken out for ordinary failures (401/403 aside).
      const moved = slot.breaker?.record(BREAKER_RESULT[outcome], retryAfterMs, replaceable(member))
      if (outcome === 'auth_error') {
        // Said every time, even in a pool of one: the key will not fix itself.
        log.error({
          msg: moved === 'open' ? 'upstream rejected the gateway key; taken out of the pool' : 'upstream rejected the gateway key',
          upstream: member.name,
        })
      } else if (moved === 'open' && outcome !== 'cancelled') {
        log.warn({ msg: 'upstream taken out of the pool', upstream: member.name, outcome })
      } else if (moved === 'closed') {
        log.info({ msg: 'upstream back in the pool', upstream: member.name })
      }
    },
    /** A member picked but not asked after all (the request gave up first): its probe slot frees. */
    release: (member: PoolMember) => void slots.get(member)?.breaker?.record('released'),
    /** At least one member can take a request now (for /health). */
    usable: () => all.some(usable),
    snapshot: (): PoolSnapshot => {
      const breakers: Record<string, number> = {}
      const firstByte: Record<string, Histogram> = {}
      for (const slot of all) {
        const state: BreakerState = slot.breaker?.state ?? 'closed'
        breakers[JSON.stringify([slot.member.name, state])] = 1
        firstByte[slot.member.name] = slot.firstByte
      }
      return { attempts, breakers, firstByte }
    },
  }
}

export type UpstreamPool = ReturnType<typeof createUpstreamPool>
