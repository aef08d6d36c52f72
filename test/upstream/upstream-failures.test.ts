import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { createServer } from 'node:net'
import { sseFrame } from '../../src/mock-upstream/mock-replies.ts'
import type { MockReply } from '../../src/mock-upstream/mock-upstream.ts'
import { fixtureEvents, fixtureJson } from '../support/fixtures.ts'
import { startRawUpstream } from '../support/raw-upstream.ts'
import { HELLO, json, sseData, sseJson, startGateway, type TestGateway } from '../support/test-gateway.ts'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})
afterAll(() => gw.stop())
beforeEach(() => gw.mock.reset())

const ERRORS = fixtureJson<Record<string, { error: { type: string; message: string } }>>('anthropic/errors.json')
const STREAM = { ...HELLO, stream: true }

describe('upstream errors before the first byte → a real HTTP error (wire doc §4)', () => {
  test.each([
    [400, 400, 'invalid_request_error', 'invalid_request_error'],
    [401, 502, 'upstream_error', 'upstream_authentication_error'],
    [402, 402, 'billing_error', 'insufficient_quota'],
    [403, 502, 'upstream_error', 'upstream_authentication_error'],
    [404, 404, 'invalid_request_error', 'model_not_found'],
    [413, 413, 'invalid_request_error', 'request_too_large'],
    [429, 429, 'rate_limit_error', 'rate_limit_exceeded'],
    [500, 500, 'server_error', 'api_error'],
    [504, 504, 'timeout_error', 'upstream_timeout'],
    [529, 503, 'server_error', 'overloaded'],
  ])('upstream %d → %d %s/%s, stream and not', async (upstream, status, type, code) => {
    for (const body of [HELLO, STREAM]) {
      const recorded = ERRORS[String(upstream)]
      if (!recorded) throw new Error(`errors.json has no ${upstream}`)
      gw.mock.reply({ kind: 'error', status: upstream, type: recorded.error.type, message: recorded.error.message, headers: { 'retry-after': '7' } })
      const response = await gw.chat(body)
      expect(response.status).toBe(status)
      expect(response.headers.get('content-type')).toBe('application/json')
      const { error } = await json(response)
      expect(error).toMatchObject({ type, code, param: null })
      if (upstream === 401 || upstream === 403) expect(error.message).toContain('UPSTREAM_API_KEY')
      else expect(error.message).toContain(recorded.error.message.slice(0, 20))
      if (upstream === 429 || upstream === 529) expect(response.headers.get('retry-after')).toBe('7')
      // The README promises it on every answer that came from the upstream, failures included.
      expect(response.headers.get('x-upstream-request-id')).toBe(`req_mock_${upstream}`)
    }
  })

  test('"prompt is too long" → context_length_exceeded', async () => {
    gw.mock.reply({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' })
    expect((await json(await gw.chat(HELLO))).error.code).toBe('context_length_exceeded')
  })

  test('an HTML error page → the status mapped, no HTML, a short message', async () => {
    gw.mock.reply({ kind: 'raw', status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', headers: { 'content-type': 'text/html' } })
    const response = await gw.chat(HELLO)
    expect(response.status).toBe(502)
    const text = await response.text()
    expect(text).not.toContain('<')
    expect(JSON.parse(text).error.message).toBe('upstream returned 502')
  })

  test('a 200 JSON body to a stream request, or an empty stream → 502 upstream_bad_response', async () => {
    gw.mock.reply({ kind: 'raw', status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json', 'request-id': 'req_raw_1' } })
    const wrongType = await gw.chat(STREAM)
    expect([wrongType.status, (await json(wrongType)).error.code]).toEqual([502, 'upstream_bad_response'])
    gw.mock.reply({ kind: 'chunks', chunks: [] })
    const empty = await gw.chat(STREAM)
    expect([empty.status, (await json(empty)).error.code]).toEqual([502, 'upstream_bad_response'])
    gw.mock.reply({ kind: 'raw', status: 200, body: 'not json', headers: { 'content-type': 'application/json', 'request-id': 'req_raw_2' } })
    const broken = await gw.chat(HELLO)
    expect([broken.status, (await json(broken)).error.code]).toEqual([502, 'upstream_bad_response'])
    expect([wrongType, broken].map((answer) => answer.headers.get('x-upstream-request-id'))).toEqual(['req_raw_1', 'req_raw_2'])
  })

  test('an error event first in a 200 stream → the HTTP status it stands for, never a 200', async () => {
    gw.mock.reply({ kind: 'events', events: [{ type: 'ping' }, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }] })
    const response = await gw.chat(STREAM)
    expect(response.status).toBe(503)
    expect((await json(response)).error).toMatchObject({ code: 'overloaded', message: 'Overloaded' })
    expect(response.headers.get('x-upstream-request-id')).toBe('req_mock_stream')
  })
})

describe('after the first byte → an error chunk and [DONE]', () => {
  test('an upstream that keeps its connection open after message_stop does not hold the client', async () => {
    gw.mock.reply({ kind: 'events', events: fixtureEvents('anthropic/text.sse'), ending: 'stall' })
    const started = performance.now()
    const text = await (await gw.chat(STREAM)).text()
    expect(performance.now() - started).toBeLessThan(1000)
    expect(sseData(text).at(-1)).toBe('[DONE]')
    await Bun.sleep(50)
    expect(gw.mock.requests[0]?.cancelledAt).toBeDefined()
  })

  test('a degenerate stream that ends at its first event still ends with [DONE]', async () => {
    gw.mock.reply({ kind: 'events', events: [{ type: 'message_stop' }] })
    const text = await (await gw.chat(STREAM)).text()
    expect(sseData(text).at(-1)).toBe('[DONE]')
    expect(gw.registry.size).toBe(0)
  })

  test('an error event mid-stream: the deltas, one error chunk, [DONE]', async () => {
    const events = fixtureEvents('anthropic/text.sse')
    gw.mock.reply({ kind: 'events', events: [...events.slice(0, 6), { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }] })
    const response = await gw.chat(STREAM)
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(sseJson(text).filter((c) => c.error)).toEqual([
      { error: { message: 'Internal server error', type: 'server_error', param: null, code: 'api_error' } },
    ])
    expect(sseData(text).at(-1)).toBe('[DONE]')
  })

  test('n = 2: an error in one choice ends the whole stream once, and the other upstream is closed', async () => {
    const events = fixtureEvents('anthropic/text.sse')
    const failing: MockReply = {
      kind: 'events',
      events: [...events.slice(0, 4), { type: 'error', error: { type: 'api_error', message: 'boom' } }],
      delayMs: 20,
    }
    const slow: MockReply = { kind: 'events', events, delayMs: 60 }
    gw.mock.reply(failing, slow)
    const text = await (await gw.chat({ ...STREAM, n: 2 })).text()
    expect(sseJson(text).filter((chunk) => chunk.error)).toHaveLength(1)
    expect(sseData(text).filter((data) => data === '[DONE]')).toHaveLength(1)
    expect(sseData(text).at(-1)).toBe('[DONE]')
    await Bun.sleep(100)
    expect(gw.mock.requests.filter((r) => r.cancelledAt !== undefined).length).toBeGreaterThanOrEqual(1)
    expect(gw.registry.size).toBe(0)
  })

  test.each(['fin', 'rst'] as const)('a connection cut (%s) mid-stream: stream_incomplete; non-stream gets a 502', async (end) => {
    const partial = fixtureEvents('anthropic/text.sse').slice(0, 5).map(sseFrame).join('')
    const raw = await startRawUpstream({ body: partial, end })
    const cut = await startGateway({ env: { UPSTREAM_API_URL: raw.url } })
    try {
      const text = await (await cut.chat(STREAM)).text()
      expect(sseJson(text).at(-1).error.code).toBe('stream_incomplete')
      expect(sseData(text).at(-1)).toBe('[DONE]')
      expect(text).not.toMatch(/"finish_reason":"/)
      const whole = await cut.chat(HELLO)
      expect([whole.status, (await json(whole)).error.code]).toEqual([502, 'stream_incomplete'])
    } finally {
      await cut.stop()
      raw.stop()
    }
  })
})

describe('time-outs and unreachable upstreams', () => {
  // Half a second, so that the waits stay short; the gateway times it with setTimeout.
  const TIMEOUT_MS = 500
  let timed: TestGateway
  beforeAll(async () => {
    timed = await startGateway({ env: { UPSTREAM_TIMEOUT: String(TIMEOUT_MS / 1000) } })
  })
  afterAll(() => timed.stop())

  test('no answer within UPSTREAM_TIMEOUT → 504, stream or not, and the upstream request is closed', async () => {
    for (const body of [HELLO, STREAM]) {
      timed.mock.reset()
      timed.mock.reply({ kind: 'stall' })
      const started = performance.now()
      const response = await timed.chat(body)
      const elapsed = performance.now() - started
      expect(response.status).toBe(504)
      expect((await json(response)).error).toMatchObject({ type: 'timeout_error', code: 'upstream_timeout' })
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 100)
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500)
      await Bun.sleep(50)
      expect(timed.mock.requests[0]?.cancelledAt).toBeDefined()
    }
  })

  test('silence mid-stream → the content so far, an upstream_timeout chunk, [DONE]', async () => {
    timed.mock.reset()
    timed.mock.reply({ kind: 'events', events: fixtureEvents('anthropic/text.sse').slice(0, 4), ending: 'stall' })
    const text = await (await timed.chat(STREAM)).text()
    expect(sseJson(text).at(-1).error.code).toBe('upstream_timeout')
    expect(sseData(text).at(-1)).toBe('[DONE]')
    await Bun.sleep(50)
    expect(timed.mock.requests[0]?.cancelledAt).toBeDefined()
  })

  test('a refused connection → 502 upstream_unreachable, fast', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as { port: number }).port
    await new Promise((resolve) => closed.close(resolve))
    const dead = await startGateway({ env: { UPSTREAM_API_URL: `http://127.0.0.1:${port}/v1/messages` } })
    try {
      const started = performance.now()
      const response = await dead.chat(HELLO)
      expect(response.status).toBe(502)
      expect((await json(response)).error).toMatchObject({ type: 'upstream_error', code: 'upstream_unreachable' })
      expect(performance.now() - started).toBeLessThan(500)
    } finally {
      await dead.stop()
    }
  })
})

describe('client hang-up', () => {
  test('while the gateway waits for the first event: logged as 499 client_closed, not as an upstream fault', async () => {
    const logged = await startGateway({ env: { LOG_LEVEL: 'info' } })
    try {
      const start = sseFrame(fixtureEvents('anthropic/text.sse')[0] as never)
      logged.mock.reply({ kind: 'chunks', chunks: [start.slice(0, 20), start.slice(20)], delayMs: 1000 })
      await logged.abandonChat(STREAM, 200)
      await Bun.sleep(200)
      const lines = logged.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request')
      expect(lines.map((line) => [line.status, line.error_code])).toEqual([[499, 'client_closed']])
    } finally {
      await logged.stop()
    }
  })

  test('mid-stream: the upstream request is cancelled', async () => {
    gw.mock.reply({ kind: 'events', events: fixtureEvents('anthropic/text.sse'), delayMs: 50 })
    const reader = (await gw.chat(STREAM)).body?.getReader()
    await reader?.read()
    await reader?.cancel()
    await Bun.sleep(150)
    expect(gw.mock.requests[0]?.cancelledAt).toBeDefined()
  })

  test('before the upstream answered: the upstream request is cancelled', async () => {
    gw.mock.reply({ kind: 'delay', ms: 1000, reply: { kind: 'echo' } })
    await gw.abandonChat(STREAM, 100)
    // Noted by the mock while it still delays its answer: the gateway let go before any reply.
    const deadline = performance.now() + 800
    while (gw.mock.requests[0]?.cancelledAt === undefined && performance.now() < deadline) await Bun.sleep(20)
    expect(gw.mock.requests[0]?.cancelledAt).toBeDefined()
  })
})
