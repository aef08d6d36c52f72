import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { Adjustments, MAX_ADJUSTMENTS_HEADER_BYTES, TRUNCATED_TOKEN } from '../../src/mapping/adjustments.ts'
import { fixtureEvents } from '../support/fixtures.ts'
import { HELLO, json, sseData, startGateway, type TestGateway } from '../support/test-gateway.ts'

const headerOf = (fields: readonly string[]) => {
  const adjustments = new Adjustments()
  for (const field of fields) adjustments.add(field, 'ignored')
  return adjustments.toHeader()
}

describe('x-gateway-adjustments is a valid header by construction', () => {
  test.each([
    ['non-Latin-1', '日本', '%E6%97%A5%E6%9C%AC:ignored'],
    ['CR LF and a colon', 'a\r\nx-evil: 1', 'a%0D%0Ax-evil%3A%201:ignored'],
    ['the list separators', 'a,b:c', 'a%2Cb%3Ac:ignored'],
    ['a percent sign (the escape itself)', '100%', '100%25:ignored'],
    ['a lone surrogate', '\ud800', '%EF%BF%BD:ignored'],
    ['token characters only', "a.b_c-d!#$&'*+^`|~9", "a.b_c-d!#$&'*+^`|~9:ignored"],
  ])('a field name with %s is percent-encoded as UTF-8', (_name, field, header) => {
    expect(headerOf([field])).toBe(header)
    expect(new Headers({ 'x-gateway-adjustments': headerOf([field]) }).get('x-gateway-adjustments')).toBe(header)
  })

  test('past the size cap the list ends in adjustments:truncated; what fits is kept in order, once each', () => {
    const fields = Array.from({ length: 2000 }, (_, i) => `field_${i}`)
    const header = headerOf(['seed', 'seed', ...fields])
    expect(header.length).toBeLessThanOrEqual(MAX_ADJUSTMENTS_HEADER_BYTES)
    const tokens = header.split(',')
    expect(tokens.at(-1)).toBe(TRUNCATED_TOKEN)
    expect(tokens.slice(0, 3)).toEqual(['seed:ignored', 'field_0:ignored', 'field_1:ignored'])
    expect(new Set(tokens).size).toBe(tokens.length)
  })

  test('a name too long for the header is left out (and said so); the ones after it still fit', () => {
    expect(headerOf(['x'.repeat(5_000_000), 'seed'])).toBe(`seed:ignored,${TRUNCATED_TOKEN}`)
    expect(headerOf(['日'.repeat(MAX_ADJUSTMENTS_HEADER_BYTES / 3), 'seed'])).toBe(`seed:ignored,${TRUNCATED_TOKEN}`)
  })
})

describe('odd unknown fields through the gateway', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway()
  })
  afterAll(() => gw.stop())
  beforeEach(() => gw.mock.reset())

  test.each([false, true])('stream %p: non-Latin-1 and CR LF names are reported encoded, and the answer is whole', async (stream) => {
    const response = await gw.chat(`{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":${stream},"日本":1,"a\\r\\nb":2}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('x-gateway-adjustments')).toBe('%E6%97%A5%E6%9C%AC:ignored,a%0D%0Ab:ignored')
    const text = await response.text()
    if (stream) expect(sseData(text).at(-1)).toBe('[DONE]')
    else expect(JSON.parse(text).choices[0].finish_reason).toBe('stop')
  })

  test('2,000 unknown fields give a header under the cap that says it was truncated', async () => {
    const body = { ...HELLO, ...Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`unknown_field_${i}`, i])) }
    const response = await gw.chat(body)
    expect(response.status).toBe(200)
    const header = response.headers.get('x-gateway-adjustments') ?? ''
    expect(header.length).toBeLessThanOrEqual(MAX_ADJUSTMENTS_HEADER_BYTES)
    expect(header.endsWith(`,${TRUNCATED_TOKEN}`)).toBe(true)
  })

  test('a failure after the upstream stream opened, before the answer left, aborts the upstream and frees the stream', async () => {
    gw.mock.reply({ kind: 'events', events: fixtureEvents('anthropic/text.sse').slice(0, 3), ending: 'stall' })
    // The one step between the opened upstream and the client that can still throw: building the Response.
    const RealResponse = globalThis.Response
    globalThis.Response = class extends RealResponse {
      constructor(body?: ConstructorParameters<typeof Response>[0], init?: { headers?: Record<string, string> }) {
        if (body instanceof ReadableStream && init?.headers?.['content-type'] === 'text/event-stream') {
          throw new Error('injected failure')
        }
        super(body, init)
      }
    } as typeof Response
    let response: Response
    try {
      response = await gw.chat({ ...HELLO, stream: true })
    } finally {
      globalThis.Response = RealResponse
    }
    expect(response.status).toBe(500)
    expect((await json(response)).error.code).toBe('internal_error')
    await Bun.sleep(100)
    expect(gw.mock.requests[0]?.cancelledAt).toBeDefined()
    expect(gw.registry.size).toBe(0)
  })

  test('the same on the native /v1/messages stream: the upstream is aborted and no stream is left registered', async () => {
    gw.mock.reset()
    gw.mock.reply({ kind: 'events', events: fixtureEvents('anthropic/text.sse').slice(0, 3), ending: 'stall' })
    const RealResponse = globalThis.Response
    globalThis.Response = class extends RealResponse {
      constructor(body?: ConstructorParameters<typeof Response>[0], init?: { status?: number; headers?: Record<string, string> }) {
        // The gateway names the status it passes on; the in-process mock upstream does not.
        if (body instanceof ReadableStream && init?.status === 200) throw new Error('injected failure')
        super(body, init)
      }
    } as typeof Response
    let response: Response
    try {
      response = await gw.post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }] })
    } finally {
      globalThis.Response = RealResponse
    }
    expect(response.status).toBe(500)
    await Bun.sleep(100)
    expect(gw.mock.requests[0]?.cancelledAt).toBeDefined()
    expect(gw.registry.size).toBe(0)
  })
})
