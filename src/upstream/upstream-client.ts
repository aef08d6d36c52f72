import type { Config } from '../config/env-schema.ts'
import type { OpenAIError } from '../errors/openai-error.ts'
import { nextDelayMs, RETRYABLE_STATUSES, retryAfterMs } from './retry.ts'
import { buildPoolMembers, type PoolMember, type UpstreamEndpoint } from './pool-members.ts'
import { clientClosed, toOpenAIErrorFromUpstream, upstreamTimeout, upstreamUnreachable } from './upstream-error.ts'

export type UpstreamReply = {
  response: Response
  attempts: number
  /** The upstream's `request-id`, for the log and `x-upstream-request-id`. */
  requestId: string | null
  /** Aborts the upstream request (and its body) with this reason. */
  abort: (reason: OpenAIError) => void
}

export type { UpstreamEndpoint }

export type UpstreamSendArgs = {
  body: string
  signal: AbortSignal
  /** count_tokens: UPSTREAM_API_URL's path + `/count_tokens`, query string kept. */
  endpoint?: UpstreamEndpoint
  /** An Anthropic-native client's own `anthropic-beta` values, merged with the configured ones. */
  betas?: string | null
}

export type UpstreamClient = { send: (args: UpstreamSendArgs) => Promise<UpstreamReply> }

const ERROR_BODY_LIMIT = 64 * 1024

/** At most 64 KiB of an error body is read; the rest is discarded with the connection. */
const readBoundedText = async (response: Response): Promise<string> => {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < ERROR_BODY_LIMIT) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } catch {
    // A body cut short still says something: keep what arrived.
  } finally {
    reader.cancel().catch(() => {})
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT))
}

/** The configured anthropic-beta values plus a client's, comma-joined, each once. */
const withBetas = (headers: Readonly<Record<string, string>>, betas: string): Record<string, string> => {
  const all = new Set([...(headers['anthropic-beta'] ?? '').split(','), ...betas.split(',')].map((b) => b.trim()).filter(Boolean))
  return { ...headers, 'anthropic-beta': [...all].join(',') }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(clientClosed())
    const onAbort = () => {
      clearTimeout(timer)
      reject(clientClosed())
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })

const describeFailure = (error: unknown) => {
  const code = (error as { code?: unknown })?.code
  return typeof code === 'string' ? code : 'connection failed'
}

/**
 * Sends a Messages request to UPSTREAM_API_URL with the start-up headers, retrying 429/5xx/529 and
 * connection failures with backoff inside the UPSTREAM_TIMEOUT budget, and only before any byte
 * went to the client (this returns at the first 2xx). Silence past UPSTREAM_TIMEOUT before the
 * headers is a 504; the caller watches the body from there on.
 */
export const createUpstreamClient = (
  config: Config,
  { fetch: fetchImpl = fetch, random = Math.random }: { fetch?: typeof fetch; random?: () => number } = {},
): UpstreamClient => {
  const [{ urls, headers }] = buildPoolMembers(config) as [PoolMember]
  const proxy = (config.upstreamProxyUrl ?? config.defaultProxyUrl)?.href
  const timeoutMs = config.upstreamTimeoutSeconds * 1000
  const init = { method: 'POST', headers, ...(proxy ? { proxy } : {}) }

  const send: UpstreamClient['send'] = async ({ body, signal, endpoint = 'messages', betas }) => {
    const url = urls[endpoint]
    const attemptInit = betas ? { ...init, headers: withBetas(headers, betas) } : init
    const deadline = performance.now() + timeoutMs
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw clientClosed()
      const attemptController = new AbortController()
      const abort = (reason: OpenAIError) => attemptController.abort(reason)
      // Cheaper than AbortSignal.any per request; it stays for the body, so a hang-up aborts it too.
      const onClientAbort = () => attemptController.abort(clientClosed())
      signal.addEventListener('abort', onClientAbort, { once: true })
      const remaining = deadline - performance.now()
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        attemptController.abort(upstreamTimeout(config.upstreamTimeoutSeconds))
      }, remaining)
      let response: Response
      try {
        response = await fetchImpl(url, { ...attemptInit, body, signal: attemptController.signal })
      } catch (error) {
        clearTimeout(timer)
        signal.removeEventListener('abort', onClientAbort)
        if (signal.aborted) throw clientClosed()
        if (timedOut) throw upstreamTimeout(config.upstreamTimeoutSeconds)
        const failure = upstreamUnreachable(describeFailure(error))
        const delay = attempt < config.upstreamRetries ? nextDelayMs({ attempt, requested: undefined, remainingMs: deadline - performance.now(), random }) : undefined
        if (delay === undefined) throw failure
        await sleep(delay, signal)
        continue
      }
      clearTimeout(timer)
      const requestId = response.headers.get('request-id')
      if (response.ok) return { response, attempts: attempt + 1, requestId, abort }
      const error = toOpenAIErrorFromUpstream(response.status, await readBoundedText(response), response.headers)
      const retryable = RETRYABLE_STATUSES.has(response.status) && attempt < config.upstreamRetries
      const delay = retryable
        ? nextDelayMs({ attempt, requested: retryAfterMs(response.headers, Date.now()), remainingMs: deadline - performance.now(), random })
        : undefined
      signal.removeEventListener('abort', onClientAbort)
      if (delay === undefined) {
        error.upstreamRequestId = requestId
        throw error
      }
      await sleep(delay, signal)
    }
  }
  return { send }
}
