import { afterEach, describe, expect, test } from 'bun:test'
import type { KeyLimits } from '../../src/auth/client-keys.ts'
import { periodsOf } from '../../src/limits/limit-rules.ts'
import type { LimitStore } from '../../src/limits/limit-store.ts'

const NOW = Date.UTC(2026, 11, 2, 9, 30, 0)

/** The same scenarios for every back end: the Lua script and the TypeScript rules must agree. */
export const describeLimitStoreContract = (kind: string, open: () => LimitStore) => {
  describe(`${kind}: the limit store contract`, () => {
    let store: LimitStore | undefined
    let names = 0
    afterEach(() => {
      store?.close()
      store = undefined
    })
    const start = () => {
      store = open()
      names++
      return { store, name: `${kind}-key-${process.pid}-${names}-${Date.now()}` }
    }
    const reserve = (s: LimitStore, name: string, limits: KeyLimits, tokens: number, now = NOW, id = crypto.randomUUID()) =>
      s.reserve({ name, limits, id, tokens, now }).then((decision) => ({ ...decision, id }))
    const settle = (s: LimitStore, name: string, limits: KeyLimits, id: string, reserved: number, used: number, now = NOW) =>
      s.settle({ name, limits, id, reserved, used, prompt: used, completion: 0, ...periodsOf(NOW), now })

    test('rpm: the bucket admits its limit at once, then refills a request every 60/rpm seconds', async () => {
      const { store: s, name } = start()
      const limits = { rpm: 3 }
      const decisions = []
      for (let i = 0; i < 4; i++) decisions.push(await reserve(s, name, limits, 0))
      expect(decisions.map((d) => d.refusal)).toEqual([undefined, undefined, undefined, 'rpm'])
      expect(decisions.map((d) => Math.floor(d.requests?.level ?? -1))).toEqual([2, 1, 0, 0])
      expect(decisions[3]?.retryAfterMs).toBe(20_000)
      expect((await reserve(s, name, limits, 0, NOW + 20_000)).refusal).toBeUndefined()
    })

    test('tpm and the budgets: the estimate is charged, settling swaps it for the use', async () => {
      const { store: s, name } = start()
      const limits = { tpm: 1000, daily_token_budget: 500, monthly_token_budget: 10_000 }
      const first = await reserve(s, name, limits, 300)
      expect(first.tokens?.level).toBe(700)
      expect((await reserve(s, name, limits, 300)).refusal).toBe('daily_token_budget')
      await settle(s, name, limits, first.id, 300, 100)
      const usage = await s.read(name, NOW)
      expect(usage.tokens?.level).toBe(900)
      expect(usage.today).toEqual({ requests: 1, tokens: 100, prompt_tokens: 100, completion_tokens: 0 })
      expect(usage.thisMonth).toEqual(usage.today)
      expect(usage.active).toBe(0)
      const second = await reserve(s, name, limits, 300)
      expect(second.refusal).toBeUndefined()
      expect(second.tokens?.level).toBe(600)
    })

    test('a token bucket short of the estimate refuses on tpm with the time to refill', async () => {
      const { store: s, name } = start()
      await reserve(s, name, { tpm: 600 }, 550)
      const refused = await reserve(s, name, { tpm: 600 }, 100)
      expect(refused.refusal).toBe('tpm')
      expect(refused.retryAfterMs).toBe(5000)
    })

    test('max_concurrent: slots are held until settled, and a lost request frees its slot when its lease ends', async () => {
      const { store: s, name } = start()
      const limits = { max_concurrent: 2 }
      const a = await reserve(s, name, limits, 0)
      await reserve(s, name, limits, 0)
      expect((await reserve(s, name, limits, 0)).refusal).toBe('max_concurrent')
      await settle(s, name, limits, a.id, 0, 0)
      expect((await reserve(s, name, limits, 0)).refusal).toBeUndefined()
      expect((await s.read(name, NOW)).active).toBe(2)
      expect((await s.read(name, NOW + 16 * 60_000)).active).toBe(0)
    })

    test('fifty concurrent reservations against a budget of ten admit exactly ten', async () => {
      const { store: s, name } = start()
      const decisions = await Promise.all(Array.from({ length: 50 }, () => reserve(s, name, { daily_token_budget: 100 }, 10)))
      expect(decisions.filter((d) => d.refusal === undefined)).toHaveLength(10)
      expect((await s.read(name, NOW)).today.tokens).toBe(100)
    })

    test('a refused request charges nothing', async () => {
      const { store: s, name } = start()
      await reserve(s, name, { daily_token_budget: 10 }, 10)
      await reserve(s, name, { daily_token_budget: 10 }, 5)
      expect((await s.read(name, NOW)).today).toEqual({ requests: 1, tokens: 10, prompt_tokens: 0, completion_tokens: 0 })
    })

    test('keys are counted apart', async () => {
      const { store: s, name } = start()
      await reserve(s, name, { rpm: 1 }, 0)
      expect((await reserve(s, `${name}-other`, { rpm: 1 }, 0)).refusal).toBeUndefined()
      expect(await s.ping()).toBe(true)
    })
  })
}
