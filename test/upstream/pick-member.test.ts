import { describe, expect, test } from 'bun:test'
import { hash32, pickSticky, pickWeighted } from '../../src/upstream/pick-member.ts'

const A = { name: 'a', weight: 1 }
const B = { name: 'b', weight: 1 }
const C = { name: 'c', weight: 2 }

/** A seeded generator, so the counts below are the same on every run. */
const seeded = (seed: number) => () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
  return seed / 2 ** 32
}

describe('choice of a pool member', () => {
  test('hash32 is stable and spreads names that differ in their last character', () => {
    expect(hash32('abc')).toBe(hash32('abc'))
    const hashes = new Set(Array.from({ length: 1000 }, (_, i) => hash32(`default-${i}`) >>> 22))
    expect(hashes.size).toBeGreaterThan(500)
  })

  test.each([
    [
      [0, 0.24, 0.25, 0.49, 0.5, 0.99],
      ['a', 'a', 'b', 'b', 'c', 'c'],
    ],
  ])('weighted random follows the weights (random %j)', (draws, names) => {
    const members = [A, B, C]
    expect(draws.map((draw) => pickWeighted(members, () => draw)?.name)).toEqual(names)
  })

  test('over many hints, rendezvous shares follow the weights', () => {
    const counts = { a: 0, b: 0, c: 0 }
    for (let i = 0; i < 20_000; i++) counts[pickSticky(`session-${i}`, [A, B, C])?.name as keyof typeof counts]++
    expect(counts.a / 20_000).toBeCloseTo(0.25, 1)
    expect(counts.c / 20_000).toBeCloseTo(0.5, 1)
  })

  test('a hint lands on one member; when that member leaves only its hints move', () => {
    const random = seeded(7)
    for (let i = 0; i < 2000; i++) {
      const hint = `user-${Math.floor(random() * 1e9)}`
      const all = pickSticky(hint, [A, B, C])
      expect(pickSticky(hint, [C, B, A])).toBe(all)
      const withoutB = pickSticky(hint, [A, C])
      if (all !== B) expect(withoutB).toBe(all)
    }
  })

  test('no candidates → undefined', () => {
    expect(pickSticky('x', [])).toBeUndefined()
    expect(pickWeighted([], Math.random)).toBeUndefined()
  })
})
