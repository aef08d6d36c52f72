import type { KeyLimits } from '../auth/client-keys.ts'
import type { Bucket, Decision } from './limit-rules.ts'

export type Reservation = {
  /** The key's name (label): the counters' key, never the key itself. */
  name: string
  limits: KeyLimits
  /** Unique per request: the concurrency slot it holds. */
  id: string
  /** The estimate: prompt + max_tokens. */
  tokens: number
  now: number
}

export type Settlement = {
  name: string
  limits: KeyLimits
  id: string
  reserved: number
  /** Counted toward the budgets in place of `reserved`: what the upstream reported, else the estimate. */
  used: number
  /** As the upstream reported them (0 when it reported nothing). */
  prompt: number
  completion: number
  /** The periods the reservation was counted in, so a request crossing midnight settles there. */
  day: string
  month: string
  now: number
}

/** One UTC day or month of a key. `tokens` counts toward the budget: settled use plus reservations in flight. */
export type PeriodUsage = { requests: number; tokens: number; prompt_tokens: number; completion_tokens: number }

export type KeyUsage = { requests: Bucket | undefined; tokens: Bucket | undefined; active: number; today: PeriodUsage; thisMonth: PeriodUsage }

/**
 * Where counters live: one SQLite file shared by an instance's workers, or Redis shared by
 * replicas. `reserve` checks and charges in one atomic step, so concurrent requests cannot
 * overshoot; `settle` swaps the estimate for the real use and frees the concurrency slot.
 * Every call rejects (never hangs) when the store fails.
 */
export type LimitStore = {
  readonly kind: 'sqlite' | 'redis'
  reserve(reservation: Reservation): Promise<Decision>
  settle(settlement: Settlement): Promise<void>
  read(name: string, now: number): Promise<KeyUsage>
  /** Whether the store answers now, for /health. */
  ping(): Promise<boolean>
  close(): void
}

export const emptyPeriod = (): PeriodUsage => ({ requests: 0, tokens: 0, prompt_tokens: 0, completion_tokens: 0 })
