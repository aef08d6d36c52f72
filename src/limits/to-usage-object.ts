import type { ClientKey } from '../auth/client-keys.ts'
import { periodsOf, refill } from './limit-rules.ts'
import type { KeyUsage } from './limit-store.ts'

const orNull = (value: number | undefined) => value ?? null

const remainingOf = (limit: number | undefined, used: number) => (limit === undefined ? null : Math.max(0, Math.floor(limit - used)))

/**
 * One key's answer on GET /v1/usage: its limits (null = unlimited), what is left of each now, and
 * its counts for the current UTC day and month. Keys without counted limits are not counted in
 * the store (their hot path makes no store call): `today` and `this_month` are null for them, and
 * /metrics counts them instead. Never the key itself.
 */
export const toUsageObject = (key: ClientKey, usage: KeyUsage | undefined, now: number) => {
  const limits = key.limits ?? {}
  const { day, month } = periodsOf(now)
  return {
    object: 'usage' as const,
    name: key.label,
    limits: {
      rpm: orNull(limits.rpm),
      tpm: orNull(limits.tpm),
      max_concurrent: orNull(limits.max_concurrent),
      daily_token_budget: orNull(limits.daily_token_budget),
      monthly_token_budget: orNull(limits.monthly_token_budget),
      models: key.models ?? null,
    },
    remaining: {
      requests: limits.rpm === undefined ? null : remainingOf(limits.rpm, limits.rpm - refill(usage?.requests, limits.rpm, now).level),
      tokens: limits.tpm === undefined ? null : remainingOf(limits.tpm, limits.tpm - refill(usage?.tokens, limits.tpm, now).level),
      concurrent: remainingOf(limits.max_concurrent, usage?.active ?? 0),
      daily_tokens: remainingOf(limits.daily_token_budget, usage?.today.tokens ?? 0),
      monthly_tokens: remainingOf(limits.monthly_token_budget, usage?.thisMonth.tokens ?? 0),
    },
    today: usage ? { date: day, ...usage.today } : null,
    this_month: usage ? { month, ...usage.thisMonth } : null,
  }
}
