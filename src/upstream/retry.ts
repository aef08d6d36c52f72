import { clientClosed } from './upstream-error.ts'

/** Statuses worth another attempt: rate limits, overload and transient server errors. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504, 529])

const BASE_DELAY_MS = 500
const MAX_DELAY_MS = 8000

/** How long the upstream asked us to wait, from retry-after-ms or retry-after (seconds or a date). */
export const retryAfterMs = (headers: Headers | undefined, now: number): number | undefined => {
  const ms = Number(headers?.get('retry-after-ms'))
  if (Number.isFinite(ms) && ms >= 0 && headers?.has('retry-after-ms')) return ms
  const after = headers?.get('retry-after')
  if (!after) return undefined
  const seconds = Number(after)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(after)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * Exponential backoff with full jitter (0.5 s × 2ⁿ, capped at 8 s, the SDKs' own range), unless the
 * upstream named a wait. Returns undefined when the wait does not fit the time left.
 */
export const nextDelayMs = ({
  attempt,
  requested,
  remainingMs,
  random,
}: {
  attempt: number
  requested: number | undefined
  remainingMs: number
  random: () => number
}): number | undefined => {
  const delay = requested ?? random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt)
  return delay < remainingMs ? delay : undefined
}

/** Waits `ms`, or rejects with client_closed at once when the client hangs up. */
export const sleep = (ms: number, signal: AbortSignal) =>
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
