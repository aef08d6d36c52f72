import { describe, expect, test } from 'bun:test'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/http/read-json-body.ts'
import { json, startGateway } from '../support/test-gateway.ts'

describe('JSON nesting limit', () => {
  test.each([
    ['{"a":[1,{"b":2}]}', 3, false],
    ['{"a":[1,{"b":2}]}', 2, true],
    ['{"s":"[[[[[[[[[[{{{{{"}', 1, false],
    ['{"s":"\\\\\\"[[[["}', 1, false],
    ['[[[]]]', 3, false],
  ])('%s nests deeper than %d: %s', (text, limit, deeper) => {
    expect(nestsDeeperThan(text, limit)).toBe(deeper)
  })

  test('a body nested past the limit is a 400 naming the limit, in a tool schema or an unknown field', async () => {
    const gw = await startGateway()
    try {
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
      for (const where of [`"tools":[{"type":"function","function":{"name":"f","parameters":{"a":${deep}}}}]`, `"metadata":${deep}`]) {
        const response = await gw.chat(`{"model":"m","messages":[{"role":"user","content":"hi"}],${where}}`)
        expect(response.status).toBe(400)
        expect((await json(response)).error.message).toContain(String(MAX_JSON_DEPTH))
      }
      expect(gw.mock.requests).toHaveLength(0)
    } finally {
      await gw.stop()
    }
  })

  test('JSON carried in a string field is held to the same limit: a 400 naming the field, not a stack overflow', async () => {
    const gw = await startGateway()
    try {
      const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`
      const call = { id: 'c1', type: 'function', function: { name: 'f', arguments: deep } }
      const response = await gw.chat({
        model: 'm',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', tool_calls: [call] },
        ],
      })
      expect(response.status).toBe(400)
      const { error } = await json(response)
      expect(error).toMatchObject({ type: 'invalid_request_error', param: 'messages[1].tool_calls[0].function.arguments' })
      expect(error.message).toContain(String(MAX_JSON_DEPTH))
      const atLimit = `${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}`
      call.function.arguments = `{"a":${atLimit}}`
      const ok = await gw.chat({
        model: 'm',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', tool_calls: [call] },
        ],
      })
      expect(ok.status).toBe(200)
      expect(gw.mock.requests).toHaveLength(1)
    } finally {
      await gw.stop()
    }
  })
})

test('escaped quotes and backslashes inside strings do not count as structure', () => {
  expect(nestsDeeperThan('{"a":"\\\\"}', 1)).toBe(false)
  expect(nestsDeeperThan('{"a":"x\\\\\\"[[["}', 1)).toBe(false)
  expect(nestsDeeperThan('{"a":"\\\\","b":[[1]]}', 2)).toBe(true)
  expect(nestsDeeperThan(`{"img":"${'A'.repeat(5_000_000)}","m":[{"c":[]}]}`, 4)).toBe(false)
})
