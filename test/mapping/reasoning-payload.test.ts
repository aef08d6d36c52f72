import { describe, expect, test } from 'bun:test'
import { fromEncryptedReasoning, toEncryptedReasoning } from '../../src/mapping/reasoning-payload.ts'

const encode = (value: unknown) => `gw1.${Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')}`

describe('reasoning payload', () => {
  test.each([
    [{ type: 'thinking', thinking: 'Let me think.\n"quoted" ✓', signature: 'EoQDCm0IDhgCKkCDzGs2+/=' }],
    [{ type: 'thinking', thinking: '', signature: 'sig' }],
    [{ type: 'redacted_thinking', data: 'EqkECkYIBxgCKkA8AZ4noDfV5VcOJe/p3JTRB6Xz5297mrWhl3MbHSXDKTMfuB/Z52U2teiWWTN0gg4eQ4bGS9TPilFX' }],
  ] as const)('%o round-trips verbatim', (block) => {
    const payload = toEncryptedReasoning(block)
    expect(payload).toMatch(/^gw1\.[A-Za-z0-9_-]+$/)
    expect(fromEncryptedReasoning(payload)).toEqual(block)
  })

  test('fields beyond the block are not carried', () => {
    const block = { type: 'thinking', thinking: 't', signature: 's', extra: 1 } as never
    expect(fromEncryptedReasoning(toEncryptedReasoning(block))).toEqual({ type: 'thinking', thinking: 't', signature: 's' })
  })

  test.each([
    ['another encoding (OpenAI)', 'gAAAAABpPDIUph8czEXzDePCV2lJ27wm7TsbCvaz'],
    ['empty', ''],
    ['only the prefix', 'gw1.'],
    ['not JSON', encode('{"type":"thinking",')],
    ['JSON but not an object', encode('"thinking"')],
    ['a thinking block without signature', encode({ type: 'thinking', thinking: 't' })],
    ['a signature that is not a string', encode({ type: 'thinking', thinking: 't', signature: 1 })],
    ['an unknown block type', encode({ type: 'text', text: 't' })],
    ['extra fields', encode({ type: 'redacted_thinking', data: 'd', citations: null })],
    ['nested values', encode({ type: 'redacted_thinking', data: { deep: [1] } })],
    ['deep nesting', encode(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
  ])('%s → undefined', (_name, payload) => {
    expect(fromEncryptedReasoning(payload)).toBeUndefined()
  })
})
