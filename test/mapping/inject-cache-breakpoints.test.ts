import { describe, expect, test } from 'bun:test'
import type { MessagesRequest } from '../../src/anthropic/request-schema.ts'
import { promptCacheBodies, withPromptCache } from '../../src/mapping/inject-cache-breakpoints.ts'

const EPHEMERAL = { type: 'ephemeral' } as const
const HOUR = { type: 'ephemeral', ttl: '1h' } as const
const tool = (name: string, extra = {}) => ({ name, input_schema: { type: 'object' }, ...extra })

const base = (extra: Partial<MessagesRequest> = {}): MessagesRequest => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  tools: [tool('a'), tool('b')],
  system: [
    { type: 'text', text: 'one' },
    { type: 'text', text: 'two' },
  ],
  messages: [
    { role: 'user', content: 'first' },
    { role: 'assistant', content: [{ type: 'text', text: 'reply' }] },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'x' },
        { type: 'text', text: 'last' },
      ],
    },
  ],
  ...extra,
})

/** Where cache_control sits in a body: [place, ttl or 5m]. */
const marks = (body: MessagesRequest) => {
  const found: string[] = []
  const note = (where: string, block: { cache_control?: { ttl?: string } }) => {
    if (block.cache_control) found.push(`${where}:${block.cache_control.ttl ?? '5m'}`)
  }
  if (body.cache_control) found.push(`top:${body.cache_control.ttl ?? '5m'}`)
  for (const [i, t] of (body.tools ?? []).entries()) note(`tools.${i}`, t)
  if (Array.isArray(body.system)) for (const [i, b] of body.system.entries()) note(`system.${i}`, b)
  for (const [i, m] of body.messages.entries()) {
    if (typeof m.content === 'string') continue
    for (const [j, b] of m.content.entries()) note(`messages.${i}.${j}`, b as { cache_control?: { ttl?: string } })
  }
  return found
}

describe('automatic prompt caching (pure)', () => {
  test.each<[string, MessagesRequest, string[], string[]]>([
    [
      'last tool, last system block, last block of the last user turn',
      base(),
      ['tools.1:5m', 'system.1:5m', 'messages.2.1:5m'],
      ['tools.cache_control:added', 'system.cache_control:added', 'messages.cache_control:added'],
    ],
    [
      "a string user turn becomes a block; a client's breakpoint is kept and counted",
      base({ tools: [tool('a', { cache_control: EPHEMERAL })], messages: [{ role: 'user', content: 'only' }] }),
      ['tools.0:5m', 'system.1:5m', 'messages.0.0:5m'],
      ['system.cache_control:added', 'messages.cache_control:added'],
    ],
    [
      'never more than 4: three client breakpoints leave room for one',
      base({
        system: [
          { type: 'text', text: 'a', cache_control: EPHEMERAL },
          { type: 'text', text: 'b', cache_control: EPHEMERAL },
          { type: 'text', text: 'c', cache_control: EPHEMERAL },
        ],
      }),
      ['tools.1:5m', 'system.0:5m', 'system.1:5m', 'system.2:5m'],
      ['tools.cache_control:added'],
    ],
    [
      'four client breakpoints: nothing added',
      base({ messages: [{ role: 'user', content: [1, 2, 3, 4].map((i) => ({ type: 'text' as const, text: `p${i}`, cache_control: EPHEMERAL })) }] }),
      ['messages.0.0:5m', 'messages.0.1:5m', 'messages.0.2:5m', 'messages.0.3:5m'],
      [],
    ],
    ['no tools, no system: only the user turn', base({ tools: undefined, system: undefined }), ['messages.2.1:5m'], ['messages.cache_control:added']],
    [
      'a tool_result last gets it',
      base({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'a', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'done' }] },
        ],
      }),
      ['tools.1:5m', 'system.1:5m', 'messages.2.0:5m'],
      ['tools.cache_control:added', 'system.cache_control:added', 'messages.cache_control:added'],
    ],
  ])('breakpoints: %s', (_, body, placed, adjustments) => {
    const before = JSON.stringify(body)
    const result = withPromptCache(body, 'breakpoints', '5m')
    expect(marks(result.body)).toEqual(placed)
    expect(result.adjustments).toEqual(adjustments)
    expect(JSON.stringify(body)).toBe(before)
  })

  test('1h: added ones are 1h, except after a client 5m entry (a longer TTL may not follow a shorter one)', () => {
    expect(marks(withPromptCache(base(), 'breakpoints', '1h').body)).toEqual(['tools.1:1h', 'system.1:1h', 'messages.2.1:1h'])
    const mixed = base({
      system: [
        { type: 'text', text: 'a', cache_control: EPHEMERAL },
        { type: 'text', text: 'b' },
      ],
    })
    expect(marks(withPromptCache(mixed, 'breakpoints', '1h').body)).toEqual(['tools.1:1h', 'system.0:5m', 'system.1:5m', 'messages.2.1:5m'])
    const hourLater = base({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a', cache_control: HOUR },
            { type: 'text', text: 'b' },
          ],
        },
      ],
    })
    expect(marks(withPromptCache(hourLater, 'breakpoints', '5m').body)).toEqual(['tools.1:1h', 'system.1:1h', 'messages.0.0:1h', 'messages.0.1:5m'])
  })

  test('top-level: only the top-level field; off: nothing', () => {
    const top = withPromptCache(base(), 'top-level', '1h')
    expect(marks(top.body)).toEqual(['top:1h'])
    expect(top.adjustments).toEqual(['cache_control:added'])
    expect(withPromptCache(base(), 'off', '5m')).toEqual({ body: base(), adjustments: [] })
  })

  test('bodies per mode: serialised once each, top-level spliced into the plain text; short prompts and PROMPT_CACHE=off get none', () => {
    const settings = { promptCache: 'auto' as const, promptCacheTtl: '5m' as const, tokenEstCharsPerToken: 4, modelQuirks: new Map() }
    const long = base({ system: [{ type: 'text', text: 'x'.repeat(5000) }] })
    const bodyFor = promptCacheBodies(long, settings)
    expect(JSON.parse(bodyFor('top-level').text)).toEqual({ ...long, cache_control: EPHEMERAL })
    expect(bodyFor('breakpoints')).toBe(bodyFor('breakpoints'))
    expect(marks(JSON.parse(bodyFor('breakpoints').text))).toEqual(['tools.1:5m', 'system.0:5m', 'messages.2.1:5m'])
    expect(bodyFor('off')).toEqual({ text: JSON.stringify(long), adjustments: [] })
    expect(promptCacheBodies(base(), settings)('top-level')).toEqual({ text: JSON.stringify(base()), adjustments: [] })
    expect(promptCacheBodies(long, { ...settings, promptCache: 'off' })('breakpoints').adjustments).toEqual([])
    const overridden = { ...settings, modelQuirks: new Map([['claude-sonnet-4-5', { minCacheTokens: 0 }]]) }
    expect(promptCacheBodies(base(), overridden)('top-level').adjustments).toEqual(['cache_control:added'])
  })
})
