import { afterAll, afterEach, describe, expect, test } from 'bun:test'
import type { MockReply } from '../../src/mock-upstream/mock-upstream.ts'
import { type PoolGateway, startPoolGateway } from '../support/pool-gateway.ts'
import { HELLO, json, sseJson } from '../support/test-gateway.ts'

const STREAM = { ...HELLO, stream: true }
const OVERLOADED: MockReply = { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }
const RATE_LIMITED: MockReply = { kind: 'error', status: 429, type: 'rate_limit_error', message: 'Slow down', headers: { 'retry-after': '30' } }

const gateways: PoolGateway[] = []
const start = async (...args: Parameters<typeof startPoolGateway>) => {
  const gateway = await startPoolGateway(...args)
  gateways.push(gateway)
  return gateway
}
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()))
})
afterAll(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.stop()))
})

describe('choice among upstreams', () => {
  test('weights hold over many requests, within tolerance', async () => {
    const gw = await start([{ name: 'a' }, { name: 'b' }, { name: 'c', weight: 2 }])
    const total = 400
    for (let i = 0; i < total; i += 20) await Promise.all(Array.from({ length: 20 }, () => gw.chat(HELLO).then((r) => r.text())))
    const served = gw.served()
    expect((served.a as number) / total).toBeGreaterThan(0.15)
    expect((served.a as number) / total).toBeLessThan(0.35)
    expect((served.c as number) / total).toBeGreaterThan(0.4)
    expect((served.c as number) / total).toBeLessThan(0.6)
    expect((served.a as number) + (served.b as number) + (served.c as number)).toBe(total)
  })

  test('a session hint always lands on one upstream, moves only while it is out, then comes back', async () => {
    const gw = await start([{ name: 'a' }, { name: 'b' }, { name: 'c' }], { UPSTREAM_RETRIES: '2', UPSTREAM_BREAKER_COOLDOWN: '0.3' })
    const ask = async () => {
      const response = await gw.chat({ ...HELLO, user: 'alice' })
      expect(response.status).toBe(200)
      await response.text()
      return gw.requestLines().at(-1).upstream as string
    }
    const home = await ask()
    for (let i = 0; i < 10; i++) expect(await ask()).toBe(home)
    for (let i = 0; i < 3; i++) {
      gw.mock(home).reply(OVERLOADED)
      expect(await ask()).not.toBe(home)
    }
    const away = await ask()
    expect(away).not.toBe(home)
    for (let i = 0; i < 5; i++) expect(await ask()).toBe(away)
    await Bun.sleep(350)
    expect(await ask()).toBe(home)
    expect(gw.pool.snapshot().breakers[JSON.stringify([home, 'closed'])]).toBe(1)
    // The header and prompt_cache_key are hints too, and the same hint is the same upstream.
    const viaHeader = await gw.chat(HELLO, { 'x-session-id': 'alice' })
    await viaHeader.text()
    expect(gw.requestLines().at(-1).upstream).toBe(home)
  })
})

describe('failover before the first byte', () => {
  test.each<[string, MockReply]>([
    ['429', RATE_LIMITED],
    ['529', OVERLOADED],
    ['503', { kind: 'error', status: 503, type: 'api_error', message: 'Unavailable' }],
    ['a stall past UPSTREAM_TIMEOUT', { kind: 'stall' }],
    [
      'an overloaded error as the first event',
      { kind: 'events', events: [{ type: 'ping' }, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }] },
    ],
    ['silence before the first event', { kind: 'events', events: [{ type: 'ping' }], ending: 'stall' }],
  ])('%s on one upstream → the other answers, the client sees one success (stream and not)', async (_, fault) => {
    const gw = await start([{ name: 'a' }, { name: 'b' }], { UPSTREAM_RETRIES: '1', UPSTREAM_TIMEOUT: '0.5' })
    // An event stream is the answer to a stream request only.
    for (const body of fault.kind === 'events' ? [STREAM] : [HELLO, STREAM]) {
      const first = gw.pool.pick({ model: HELLO.model, hint: 'probe', tried: new Set() })
      gw.pool.release(first)
      gw.mock(first.name).reply(fault)
      const response = await gw.chat({ ...body, user: 'probe' })
      expect(response.status).toBe(200)
      const text = await response.text()
      if (body === STREAM) expect(sseJson(text).some((chunk) => chunk.choices?.[0]?.finish_reason === 'stop')).toBe(true)
      const line = gw.requestLines().at(-1)
      expect(line.upstreams_tried).toEqual([first.name, first.name === 'a' ? 'b' : 'a'])
      expect(line).toMatchObject({ status: 200, attempts: 2, upstream: first.name === 'a' ? 'b' : 'a' })
    }
  })

  test('a refused connection → the other upstream, at once', async () => {
    const gw = await start([{ name: 'down', refused: true }, { name: 'up' }], { UPSTREAM_RETRIES: '1' })
    for (let i = 0; i < 6; i++) {
      const response = await gw.chat({ ...HELLO, user: `u${i}` })
      expect(response.status).toBe(200)
      await response.text()
    }
    expect(gw.served().up).toBe(6)
    expect(gw.pool.snapshot().attempts[JSON.stringify(['down', 'unreachable'])]).toBeGreaterThan(0)
  })

  test('a mid-stream error is not failed over: the client gets it in the stream', async () => {
    const gw = await start([{ name: 'a' }, { name: 'b' }], { UPSTREAM_RETRIES: '2' })
    const first = gw.pool.pick({ model: HELLO.model, hint: 'mid', tried: new Set() })
    gw.pool.release(first)
    gw.mock(first.name).reply({
      kind: 'events',
      events: [
        {
          type: 'message_start',
          message: {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: HELLO.model,
            content: [],
            stop_reason: null,
            usage: { input_tokens: 1, output_tokens: 1 },
          },
        },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      ],
    })
    const response = await gw.chat({ ...STREAM, user: 'mid' })
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).toContain('Hel')
    expect(text).toContain('overloaded')
    expect(gw.served()).toEqual({ a: first.name === 'a' ? 1 : 0, b: first.name === 'b' ? 1 : 0 })
  })

  test('400 is not retried elsewhere; 401 takes the upstream out (error log) and the other answers', async () => {
    const gw = await start([{ name: 'a' }, { name: 'b' }], { UPSTREAM_RETRIES: '2' })
    const first = gw.pool.pick({ model: HELLO.model, hint: 'k', tried: new Set() })
    gw.pool.release(first)
    gw.mock(first.name).reply({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'bad' })
    expect((await gw.chat({ ...HELLO, user: 'k' })).status).toBe(400)
    expect(gw.served()).toEqual({ a: first.name === 'a' ? 1 : 0, b: first.name === 'b' ? 1 : 0 })
    gw.mock(first.name).reply({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' })
    const response = await gw.chat({ ...HELLO, user: 'k' })
    expect(response.status).toBe(200)
    await response.text()
    const alert = gw.logs.find((line) => line.includes('"level":"error"'))
    expect(alert).toContain(`"upstream":"${first.name}"`)
    expect(gw.pool.snapshot().breakers[JSON.stringify([first.name, 'open'])]).toBe(1)
  })
})

describe('breaker and pool state', () => {
  test('all out → 503 all_upstreams_unavailable with retry-after, answered at once', async () => {
    const gw = await start([{ name: 'a' }, { name: 'b' }], { UPSTREAM_RETRIES: '0', UPSTREAM_BREAKER_COOLDOWN: '20' })
    // a goes out for overload while b is in; then b's key is refused, which takes even the last member out.
    for (let i = 0; i < 3; i++) {
      gw.mock('a').reply(OVERLOADED)
      expect((await gw.chat({ ...HELLO, user: 'pinned-to-a' })).status).toBe(503)
    }
    gw.mock('b').reply({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' })
    expect((await gw.chat(HELLO)).status).toBe(502)
    gw.served()
    const started = performance.now()
    const response = await gw.chat(HELLO)
    expect(performance.now() - started).toBeLessThan(200)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('20')
    expect((await json(response)).error.code).toBe('all_upstreams_unavailable')
    expect(gw.served()).toEqual({ a: 0, b: 0 })
    const health = await fetch(`${gw.url}/health`)
    expect([health.status, await health.json()]).toEqual([200, { status: 'degraded' }])
  })

  test('the last member in stays in after ordinary failures: its callers get its own answers, not 503s for all', async () => {
    const gw = await start([{ name: 'a' }, { name: 'b' }], { UPSTREAM_RETRIES: '0', UPSTREAM_BREAKER_COOLDOWN: '20' })
    for (let i = 0; i < 3; i++) {
      gw.mock('a').reply(OVERLOADED)
      await (await gw.chat({ ...HELLO, user: 'pinned-to-a' })).text()
    }
    for (let i = 0; i < 6; i++) {
      gw.mock('b').reply(OVERLOADED)
      const failed = await gw.chat(HELLO)
      expect([failed.status, (await json(failed)).error.code]).toEqual([503, 'overloaded'])
    }
    const served = await gw.chat(HELLO)
    expect(served.status).toBe(200)
    await served.text()
    expect(gw.pool.snapshot().breakers[JSON.stringify(['b', 'closed'])]).toBe(1)
  })

  test('/health stays ok while one member is usable; a pool of one is never degraded', async () => {
    const gw = await start([{ name: 'a' }, { name: 'b' }], { UPSTREAM_RETRIES: '0' })
    for (let i = 0; i < 3; i++) {
      gw.mock('a').reply(OVERLOADED)
      await gw.chat({ ...HELLO, user: 'pinned-to-a' })
    }
    expect(gw.pool.snapshot().breakers[JSON.stringify(['a', 'open'])] ?? gw.pool.snapshot().breakers[JSON.stringify(['b', 'open'])]).toBe(1)
    expect((await fetch(`${gw.url}/health`)).status).toBe(200)
    const single = await start([{ name: 'only' }], { UPSTREAM_RETRIES: '0' })
    for (let i = 0; i < 5; i++) {
      single.mock('only').reply(OVERLOADED)
      expect((await single.chat(HELLO)).status).toBe(503)
    }
    expect(await (await fetch(`${single.url}/health`)).json()).toEqual({ status: 'ok' })
  })
})

describe('per upstream betas, and keys kept out of the log', () => {
  test('betas an upstream does not take are removed for it and reported', async () => {
    const gw = await start([{ name: 'a', betas: ['context-1m'] }])
    const response = await gw.post('/v1/messages', { ...HELLO, max_tokens: 10 }, { 'anthropic-beta': 'context-1m, fancy-beta' })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-gateway-adjustments')).toBe('anthropic-beta:removed')
    expect(gw.mock('a').requests.at(-1)?.headers['anthropic-beta']).toBe('context-1m')
  })

  test('no upstream key in any log line at debug level', async () => {
    const gw = await start([{ name: 'a' }, { name: 'b', refused: true }], { UPSTREAM_RETRIES: '1' })
    gw.mock('a').reply({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' })
    for (const body of [HELLO, STREAM, { ...HELLO, user: 'x' }]) await (await gw.chat(body)).text()
    expect(gw.logs.length).toBeGreaterThan(3)
    for (const key of gw.keys) for (const line of gw.logs) expect(line).not.toContain(key)
  })
})

describe('automatic prompt caching per upstream capability', () => {
  const LONG = {
    ...HELLO,
    messages: [
      { role: 'system', content: 'Facts only. '.repeat(600) },
      { role: 'user', content: 'Hello!' },
    ],
  }

  test.each([
    ['breakpoints', ['system.cache_control:added', 'messages.cache_control:added'], false, 2],
    ['top-level', ['cache_control:added'], true, 0],
    ['off', null, false, 0],
  ] as const)('%s', async (cache, adjustments, topLevel, blockMarks) => {
    const gw = await start([{ name: 'only', cache }])
    for (let turn = 0; turn < 2; turn++) {
      const response = await gw.chat(LONG)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-gateway-adjustments')?.split(',') ?? null).toEqual(adjustments ? [...adjustments] : null)
      await response.text()
    }
    const sent = gw.mock('only').requests.map((request) => JSON.stringify(request.body))
    expect(gw.mock('only').requests[0]?.body.cache_control !== undefined).toBe(topLevel)
    expect(sent[0]?.match(/cache_control/g)?.length ?? 0).toBe(blockMarks + (topLevel ? 1 : 0))
    const [first, second] = gw.requestLines()
    if (cache === 'off') expect(second).toMatchObject({ cache_read_tokens: 0, cache_write_tokens: 0 })
    else {
      expect(first.cache_write_tokens).toBeGreaterThan(1000)
      expect(second).toMatchObject({ cache_read_tokens: first.cache_write_tokens, cache_write_tokens: 0, upstream: 'only' })
    }
  })

  test('PROMPT_CACHE=off sends none; the client’s own four breakpoints are kept and nothing is added', async () => {
    const off = await start([{ name: 'only' }], { PROMPT_CACHE: 'off' })
    expect((await off.chat(LONG)).headers.get('x-gateway-adjustments')).toBeNull()
    expect(JSON.stringify(off.mock('only').requests[0]?.body)).not.toContain('cache_control')
    const gw = await start([{ name: 'only' }])
    const parts = [1, 2, 3, 4].map((i) => ({ type: 'text', text: `part ${i} ${'x'.repeat(2000)}`, cache_control: { type: 'ephemeral' } }))
    const response = await gw.chat({
      ...HELLO,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: parts },
      ],
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-gateway-adjustments')).toBeNull()
    expect(JSON.stringify(gw.mock('only').requests[0]?.body).match(/cache_control/g)?.length).toBe(4)
  })
})
