import type { KeyLimits } from '../auth/client-keys.ts'
import type { RequestContext } from '../http/request-context.ts'
import type { Logger } from '../logging/logger.ts'
import type { RequestLogFields } from '../logging/request-log.ts'
import { type EstimateSettings, estimateRequestTokens } from '../mapping/estimate-prompt-tokens.ts'
import { limitExceeded, limitsUnavailable, modelNotAllowed, toRateLimitHeaders } from './limit-answers.ts'
import { type Decision, periodsOf, type Refusal } from './limit-rules.ts'
import type { LimitStore } from './limit-store.ts'

/** A failing store is logged at most this often (every failure is counted in metrics). */
const WARN_INTERVAL_MS = 60_000

export type LimitEvents = {
  /** A request refused for `refusal`, by key label. */
  refused?: (label: string, refusal: Refusal) => void
  /** A store call that failed or timed out. */
  storeFailed?: () => void
}

type UpstreamBody = Parameters<typeof estimateRequestTokens>[0] & { model: string }

/**
 * What a request used, to settle its reservation: the tokens the upstream reported; nothing for a
 * request refused with a 4xx (nothing was generated); else (a cut, a timeout, a 5xx) the estimate.
 */
export const settledUse = (fields: RequestLogFields, estimate: number) => {
  const prompt = fields.prompt_tokens ?? 0
  const completion = fields.completion_tokens ?? 0
  if (fields.prompt_tokens !== undefined || fields.completion_tokens !== undefined) return { used: prompt + completion, prompt, completion }
  const status = fields.status ?? 0
  return { used: status >= 400 && status < 500 && status !== 499 ? 0 : estimate, prompt, completion }
}

/**
 * The per-key checks at the one point every upstream-bound route passes once it knows the model
 * and the estimate: allowed models (no store call), then one atomic reserve in the store for keys
 * with limits, settled when the request's log line is written. Keys without limits return
 * undefined: no store call, no await.
 */
export const createKeyLimiter = ({
  store,
  failMode,
  estimate,
  log,
  events = {},
}: {
  store: LimitStore | undefined
  failMode: 'open' | 'closed'
  estimate: EstimateSettings
  log: Logger
  events?: LimitEvents
}) => {
  let lastWarnAt = Number.NEGATIVE_INFINITY
  const storeFailed = (error: unknown, during: string) => {
    events.storeFailed?.()
    const now = Date.now()
    if (now - lastWarnAt < WARN_INTERVAL_MS) return
    lastWarnAt = now
    log.warn({ msg: 'limit store failed', store: store?.kind, during, fail_mode: failMode, error: (error as Error)?.message ?? String(error) })
  }

  const reserve = async ({
    store,
    context,
    name,
    limits,
    tokens,
  }: {
    store: LimitStore
    context: RequestContext
    name: string
    limits: KeyLimits
    tokens: number
  }) => {
    const now = Date.now()
    const id = crypto.randomUUID()
    let decision: Decision
    try {
      decision = await store.reserve({ name, limits, id, tokens, now })
    } catch (error) {
      storeFailed(error, 'reserve')
      if (failMode === 'closed') throw limitsUnavailable()
      return
    }
    const headers = toRateLimitHeaders(limits, decision.requests, decision.tokens)
    if (decision.refusal) {
      events.refused?.(name, decision.refusal)
      throw limitExceeded({
        name,
        refusal: decision.refusal,
        limit: limits[decision.refusal] ?? 0,
        requested: tokens,
        retryAfterMs: decision.retryAfterMs,
        headers,
      })
    }
    context.limitHeaders = headers
    const { day, month } = periodsOf(now)
    context.log.onEnd = (fields) => {
      store
        .settle({ name, limits, id, reserved: tokens, day, month, now: Date.now(), ...settledUse(fields, tokens) })
        .catch((error) => storeFailed(error, 'settle'))
    }
  }

  return {
    /**
     * `body` is the Messages body going upstream (model after aliases), sent `choices` times (0
     * for count_tokens, which uses no tokens). Throws 403 for a model the key may not use, 429
     * over a limit, 503 when the store fails and LIMITS_FAIL_MODE is closed.
     */
    admit(context: RequestContext, body: UpstreamBody, choices: number): Promise<void> | undefined {
      const client = context.client
      if (client?.allowsModel && !client.allowsModel(body.model)) throw modelNotAllowed(body.model)
      if (client?.limits === undefined || store === undefined) return undefined
      const tokens = choices === 0 ? 0 : estimateRequestTokens(body, choices, estimate)
      return reserve({ store, context, name: client.label, limits: client.limits, tokens })
    },
  }
}

export type KeyLimiter = ReturnType<typeof createKeyLimiter>
