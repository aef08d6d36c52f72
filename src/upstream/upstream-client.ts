import type { Config } from '../config/env-schema.ts'
import type { CacheMode } from '../config/upstreams-config.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import { type AttemptOutcome, FAILOVER_OUTCOMES, outcomeOfError, outcomeOfStatus, type UpstreamPool } from './pool.ts'
import { acceptedBetas, type PoolMember, type UpstreamEndpoint } from './pool-members.ts'
import { readErrorBody } from './read-error-body.ts'
import { nextDelayMs, RETRYABLE_STATUSES, retryAfterMs, sleep } from './retry.ts'
import { clientClosed, toOpenAIErrorFromUpstream, upstreamRedirected, upstreamTimeout, upstreamUnreachable } from './upstream-error.ts'

export type UpstreamReply = {
  response: Response
  attempts: number
  /** The upstream's `request-id`, for the log and `x-upstream-request-id`. */
  requestId: string | null
  /** Aborts the upstream request (and its body) with this reason. */
  abort: (reason: OpenAIError) => void
  /** The pool member that answered (its name: never its key or URL). */
  upstream: string
  /** `field:action` changes made for that member: betas it does not take, cache breakpoints. */
  adjustments: readonly string[]
}

export type { UpstreamEndpoint }

/** A body the same for every upstream, or one made per cache mode (with its adjustments) for the member asked. */
export type UpstreamBody = string | ((cache: CacheMode) => { text: string; adjustments: readonly string[] })

export type UpstreamSendArgs = {
  body: UpstreamBody
  signal: AbortSignal
  /** count_tokens: the member URL's path + `/count_tokens`, query string kept. */
  endpoint?: UpstreamEndpoint
  /** An Anthropic-native client's own `anthropic-beta` values, merged with the configured ones. */
  betas?: string | null
  /** The upstream model id: only members that serve it are asked (any member when absent). */
  model?: string
  /** A session hint: requests that share one go to the same member while it is usable. */
  session?: string
  /** Gets the name of each member asked, in order, failures included (for the log line). */
  tried?: string[]
}

/** Reads the start of a 2xx answer before it counts (a stream's first event); failing there fails over too. */
export type OpenReply<T> = (reply: UpstreamReply) => Promise<T>

export type UpstreamClient = {
  send: (args: UpstreamSendArgs) => Promise<UpstreamReply>
  open: <T>(args: UpstreamSendArgs, open: OpenReply<T>) => Promise<T>
}

/** The member's anthropic-beta values plus a client's, each once, less those the member does not take. */
const withBetas = (member: PoolMember, betas: string) => {
  const { value, removed } = acceptedBetas(`${member.headers['anthropic-beta'] ?? ''},${betas}`, member.betas)
  const { 'anthropic-beta': _, ...headers } = member.headers
  return { headers: value ? { ...headers, 'anthropic-beta': value } : headers, removed }
}

const describeFailure = (error: unknown) => {
  const code = (error as { code?: unknown })?.code
  return typeof code === 'string' ? code : 'connection failed'
}

/**
 * One attempt's abort: by the gateway (`abort`, kept in the reply) or by the client hanging up,
 * through a listener that stays for the body, so that a hang-up mid-stream aborts it too (cheaper
 * than AbortSignal.any per request). Made here, not in `open`: these closures live as long as a
 * stream, and a closure made in an async function keeps every variable of it alive, the request's
 * whole body text among them (measured: 2.5 × the prompt per open stream).
 */
const attemptAbort = (signal: AbortSignal) => {
  const controller = new AbortController()
  const onClientAbort = () => controller.abort(clientClosed())
  signal.addEventListener('abort', onClientAbort, { once: true })
  return {
    signal: controller.signal,
    abort: (reason: OpenAIError) => controller.abort(reason),
    detach: () => signal.removeEventListener('abort', onClientAbort),
  }
}

type Failure = { error: OpenAIError; outcome: AttemptOutcome; retryAfterMs: number | undefined; status?: number }

/**
 * Sends a Messages request through the pool: each attempt asks the pool for a member (sticky by
 * session, else weighted, among usable members serving the model), and tells it how the attempt
 * went. 429/5xx/529, connection failures, silence before the answer and a failing `open` move the
 * request to a member not yet tried at once, or retry a tried one with backoff inside the
 * UPSTREAM_TIMEOUT budget (`retry-after` honoured) — only before any byte went to the client.
 * 401/403 move it on only where there is another member. The caller watches the body from there.
 */
export const createUpstreamClient = (
  config: Config,
  pool: UpstreamPool,
  { fetch: fetchImpl = fetch, random = Math.random }: { fetch?: typeof fetch; random?: () => number } = {},
): UpstreamClient => {
  const proxy = (config.upstreamProxyUrl ?? config.defaultProxyUrl)?.href
  const timeoutMs = config.upstreamTimeoutSeconds * 1000
  const retryable = (failure: Failure) =>
    FAILOVER_OUTCOMES.has(failure.outcome) &&
    (failure.status === undefined || RETRYABLE_STATUSES.has(failure.status) || failure.outcome === 'auth_error') &&
    !(failure.outcome === 'auth_error' && pool.single)

  const open = async <T>({ body, signal, endpoint = 'messages', betas, model, session, tried }: UpstreamSendArgs, openReply: OpenReply<T>): Promise<T> => {
    /** Each member asked, with how its last attempt failed. */
    const asked = new Map<PoolMember, Failure | undefined>()
    let deadline = 0
    let failure: Failure | undefined
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw clientClosed()
      let member: PoolMember
      try {
        member = pool.pick({ model, hint: session, tried: asked })
      } catch (error) {
        // The pool closing on this request's own failures: its last answer says more.
        throw failure?.error ?? error
      }
      const fresh = !asked.has(member)
      tried?.push(member.name)
      if (fresh) deadline = performance.now() + timeoutMs
      else {
        const delay = nextDelayMs({ attempt, requested: asked.get(member)?.retryAfterMs, remainingMs: deadline - performance.now(), random })
        if (delay === undefined) {
          pool.release(member)
          throw (failure as Failure).error
        }
        try {
          await sleep(delay, signal)
        } catch (error) {
          pool.release(member)
          throw error
        }
      }
      asked.set(member, undefined)
      const { text, adjustments: bodyAdjustments } = typeof body === 'string' ? { text: body, adjustments: [] } : body(member.cache)
      const beta = betas ? withBetas(member, betas) : undefined
      const adjustments = beta?.removed ? [...bodyAdjustments, 'anthropic-beta:removed'] : bodyAdjustments
      const { signal: attemptSignal, abort, detach } = attemptAbort(signal)
      const started = performance.now()
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        abort(upstreamTimeout(config.upstreamTimeoutSeconds))
      }, deadline - started)
      const settle = (next: Failure) => {
        detach()
        pool.report(member, next.outcome, { retryAfterMs: next.retryAfterMs })
        if (next.outcome === 'cancelled' || attempt >= config.upstreamRetries || !retryable(next)) throw next.error
        failure = next
        asked.set(member, next)
      }
      const url = member.urls[endpoint]
      let response: Response
      try {
        response = await fetchImpl(url, {
          method: 'POST',
          headers: beta?.headers ?? member.headers,
          body: text,
          signal: attemptSignal,
          // Redirects are not followed: they would take the key and the prompt elsewhere.
          redirect: 'manual',
          ...(proxy ? { proxy } : {}),
        })
      } catch (error) {
        clearTimeout(timer)
        const fault = signal.aborted ? clientClosed() : timedOut ? upstreamTimeout(config.upstreamTimeoutSeconds) : upstreamUnreachable(describeFailure(error))
        settle({ error: fault, outcome: outcomeOfError(fault), retryAfterMs: undefined })
        continue
      }
      clearTimeout(timer)
      const requestId = response.headers.get('request-id')
      if (response.status >= 300 && response.status < 400) {
        response.body?.cancel().catch(() => {})
        const error = upstreamRedirected(response.status, response.headers.get('location'), url)
        error.upstreamRequestId = requestId
        settle({ error, outcome: 'bad_response', retryAfterMs: undefined })
        continue
      }
      if (!response.ok) {
        const error = toOpenAIErrorFromUpstream(response.status, await readErrorBody(response), response.headers)
        error.upstreamRequestId = requestId
        settle({ error, outcome: outcomeOfStatus(response.status), retryAfterMs: retryAfterMs(response.headers, Date.now()), status: response.status })
        continue
      }
      const reply: UpstreamReply = { response, attempts: attempt + 1, requestId, abort, upstream: member.name, adjustments }
      try {
        const opened = await openReply(reply)
        pool.report(member, 'ok', { firstByteMs: performance.now() - started })
        return opened
      } catch (error) {
        if (!(error instanceof OpenAIError)) {
          pool.report(member, 'bad_response')
          throw error
        }
        error.upstreamRequestId ??= requestId
        settle({ error, outcome: outcomeOfError(error), retryAfterMs: undefined })
      }
    }
  }
  return { open, send: (args) => open(args, async (reply) => reply) }
}
