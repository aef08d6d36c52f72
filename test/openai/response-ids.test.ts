import { describe, expect, test } from 'bun:test'
import { newResponseId } from '../../src/openai/response-ids.ts'

describe('response ids', () => {
  test('a prefix and 32 hex digits (128 bits), all different, across several refills of the pool', () => {
    const ids = Array.from({ length: 2000 }, () => newResponseId('resp'))
    for (const id of ids) expect(id).toMatch(/^resp_[0-9a-f]{32}$/)
    expect(new Set(ids).size).toBe(ids.length)
    // Not a counter: the bytes of neighbouring ids share no pattern a client could follow.
    const distinctFirstBytes = new Set(ids.map((id) => id.slice(5, 7)))
    expect(distinctFirstBytes.size).toBeGreaterThan(200)
  })
})
