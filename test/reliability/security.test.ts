import { afterAll, afterEach, describe, expect, test } from 'bun:test'
import { createServer } from 'node:net'
import { createMockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { stopAll } from '../support/processes.ts'
import { type ChildGateway, report, startChildGateway } from '../support/reliability-gateway.ts'
import { httpRequest, rawClient, sseParts } from '../support/reliability-tcp.ts'
import { CLIENT_KEY, HELLO, startGateway, type TestGateway } from '../support/test-gateway.ts'

/** sec-3 … sec-6 (reliability doc §6, §9). */

const opened: (TestGateway | ChildGateway)[] = []
afterEach(async () => {
  for (const gateway of opened.splice(0)) await gateway.stop()
})
afterAll(() => stopAll())

const gateway = async (env: Record<string, string> = {}) => {
  const gw = await startGateway({ env })
  opened.push(gw)
  return gw
}

describe('sec-3: no client credential or hop-by-hop header reaches the upstream', () => {
  const SECRET_VALUES = [
    'client-x-api-key-v4lue',
    'Basic cHJveHk6c2VjcmV0',
    'session=c00kie',
    'hidden-by-connection',
    'hidden-too',
    'timeout=5, max=1000',
    'h2c-upgrade-v4lue',
  ]
  const clientHeaders = (auth: [string, string]): [string, string][] => [
    auth,
    ['content-type', 'application/json'],
    ['x-api-key', 'client-x-api-key-v4lue'],
    ['proxy-authorization', 'Basic cHJveHk6c2VjcmV0'],
    ['cookie', 'session=c00kie'],
    ['connection', 'keep-alive, x-secret, X-Other'],
    ['x-secret', 'hidden-by-connection'],
    ['x-other', 'hidden-too'],
    ['keep-alive', 'timeout=5, max=1000'],
    ['proxy-connection', 'keep-alive'],
    ['upgrade', 'h2c-upgrade-v4lue'],
    ['te', 'trailers'],
  ]
  const NEVER = ['authorization', 'cookie', 'proxy-authorization', 'x-secret', 'x-other', 'keep-alive', 'proxy-connection', 'upgrade', 'te']

  test.each([
    ['/v1/chat/completions', false],
    ['/v1/chat/completions', true],
    ['/v1/messages', false],
  ] as const)('%s (stream: %p), sent on a raw socket', async (path, stream) => {
    const gw = await gateway()
    const client = await rawClient(Number(new URL(gw.url).port))
    const body =
      path === '/v1/messages'
        ? JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], stream })
        : JSON.stringify({ ...HELLO, stream })
    // The Anthropic-native route takes the client key as x-api-key; here it comes as Bearer so that the
    // x-api-key sent is a decoy that must not be forwarded.
    await client.write(httpRequest({ path, headers: clientHeaders(['authorization', `Bearer ${CLIENT_KEY}`]), body }))
    const response = await client.waitFor((r) => r.complete, 3000)
    client.kill()
    expect(response.status).toBe(200)
    const seen = gw.mock.requests[0]?.headers ?? {}
    for (const name of NEVER) expect(seen[name]).toBeUndefined()
    expect(seen['x-api-key']).toBe('sk-ant-test-upstream-key-0002')
    expect(seen.connection ?? '').not.toMatch(/x-secret|x-other/i)
    const everything = JSON.stringify(seen)
    for (const value of [...SECRET_VALUES, CLIENT_KEY]) expect(everything).not.toContain(value)
  })

  test("the upstream's set-cookie never reaches the client", async () => {
    const gw = await gateway()
    const message = {
      id: 'msg_cookie',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'hi' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 1 },
    }
    const withCookie = {
      kind: 'raw',
      status: 200,
      body: JSON.stringify(message),
      headers: { 'content-type': 'application/json', 'set-cookie': 'upstream=session' },
    } as const
    gw.mock.reply(withCookie, withCookie)
    const chat = await gw.chat(HELLO)
    expect(chat.status).toBe(200)
    expect(chat.headers.get('set-cookie')).toBeNull()
    const native = await gw.post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
    expect(native.status).toBe(200)
    expect(native.headers.get('set-cookie')).toBeNull()
  })
})

describe('sec-4: LOG_LEVEL=debug never shows a key or the proxy password', () => {
  const GOOD_KEY = 'sk-client-c1i3nt-7Qx9Wv2'
  const UPSTREAM_SECRET = 'sk-ant-upstr3am-K4z8Rt6'
  const WRONG_UPSTREAM_SECRET = 'sk-ant-wr0ng-M2p5Yh1'
  const PROXY_PASSWORD = 's3cretpw'
  const BAD_KEYS = ['sk-client-c1i3nt-7Qx9Wv3', `sk-long-${'L0ngK3y'.repeat(1400)}`, 'sk-ключ-Ünïcödé-9Zq', 'sk-client-c1i3nt']

  test('good and bad keys, an upstream 401, an unreachable proxy, an adjusted request, a stream: 0 hits in logs, bodies or headers', async () => {
    const mock = createMockUpstream({ apiKey: UPSTREAM_SECRET })
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const closedPort = (closed.address() as { port: number }).port
    await new Promise((resolve) => closed.close(resolve))
    const common = { ALLOWED_API_KEYS: `${GOOD_KEY},sk-other-1234`, LOG_LEVEL: 'debug' }
    const good = await startChildGateway(mock.url, { ...common, UPSTREAM_API_KEY: UPSTREAM_SECRET })
    opened.push(good)
    const wrongUpstream = await startChildGateway(mock.url, { ...common, UPSTREAM_API_KEY: WRONG_UPSTREAM_SECRET })
    opened.push(wrongUpstream)
    const proxied = await startChildGateway(mock.url, {
      ...common,
      UPSTREAM_API_KEY: UPSTREAM_SECRET,
      UPSTREAM_PROXY_URL: `http://user:${PROXY_PASSWORD}@127.0.0.1:${closedPort}`,
    })
    opened.push(proxied)
    const seen: string[] = []
    // A raw socket, so that a non-ASCII key goes out as its UTF-8 bytes (fetch refuses it).
    const call = async (gw: ChildGateway, path: string, body: unknown, headers: Record<string, string>) => {
      const client = await rawClient(gw.port)
      await client.write(httpRequest({ path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }))
      const response = await client.waitFor((r) => r.complete, 3000)
      client.kill()
      seen.push(`${response.status} ${JSON.stringify(response.headers)} ${response.body}`)
      return { status: response.status, text: response.body }
    }
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
    try {
      // Good key: adjusted (logged at debug), JSON and stream.
      const adjusted = { ...HELLO, temperature: 1.5, seed: 7 }
      expect((await call(good, '/v1/chat/completions', adjusted, bearer(GOOD_KEY))).status).toBe(200)
      const streamed = await call(good, '/v1/chat/completions', { ...HELLO, stream: true }, bearer(GOOD_KEY))
      expect(sseParts(streamed.text).data.at(-1)).toBe('[DONE]')
      expect(
        (
          await call(
            good,
            '/v1/messages',
            { model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
            { 'x-api-key': GOOD_KEY },
          )
        ).status,
      ).toBe(200)
      // Bad keys, as Bearer and as x-api-key, and a schema error with a good key.
      for (const key of BAD_KEYS) {
        expect((await call(good, '/v1/chat/completions', HELLO, bearer(key))).status).toBe(401)
        expect((await call(good, '/v1/messages', { model: 'm', max_tokens: 1, messages: [] }, { 'x-api-key': key })).status).toBe(401)
      }
      expect((await call(good, '/v1/chat/completions', { messages: 'nope' }, bearer(GOOD_KEY))).status).toBe(400)
      // The upstream rejects the gateway's key.
      const rejected = await call(wrongUpstream, '/v1/chat/completions', HELLO, bearer(GOOD_KEY))
      expect(rejected.status).toBe(502)
      expect(JSON.parse(rejected.text).error.code).toBe('upstream_authentication_error')
      expect((await call(wrongUpstream, '/v1/chat/completions', { ...HELLO, stream: true }, bearer(GOOD_KEY))).status).toBe(502)
      // A proxy that cannot be reached.
      const unreachable = await call(proxied, '/v1/chat/completions', HELLO, bearer(GOOD_KEY))
      expect(unreachable.status).toBe(502)
      expect(JSON.parse(unreachable.text).error.code).toBe('upstream_unreachable')
      await Bun.sleep(100)
    } finally {
      mock.stop()
    }
    const logs = [good, wrongUpstream, proxied].map((gw) => gw.launcher.output()).join('\n')
    // The debug log did run (adjustments) and every request has its line.
    expect(logs).toContain('"msg":"request adjusted"')
    expect(logs.match(/"msg":"request"/g)?.length ?? 0).toBeGreaterThanOrEqual(3 + 2 * BAD_KEYS.length + 1 + 2 + 1)
    const needles = [
      GOOD_KEY,
      GOOD_KEY.slice(-10),
      UPSTREAM_SECRET,
      UPSTREAM_SECRET.slice(-10),
      WRONG_UPSTREAM_SECRET,
      WRONG_UPSTREAM_SECRET.slice(-10),
      PROXY_PASSWORD,
      Buffer.from(`user:${PROXY_PASSWORD}`).toString('base64'),
      ...BAD_KEYS.map((key) => key.slice(-10)),
    ]
    const haystack = `${logs}\n${seen.join('\n')}`
    const hits = needles.filter((needle) => haystack.includes(needle))
    report('sec-4', { log_bytes: logs.length, log_lines: logs.split('\n').length, responses: seen.length, needles: needles.length, hits: hits.length })
    expect(hits).toEqual([])
  }, 10_000)
})

describe('sec-5: CORS', () => {
  const APP = 'https://app.example.com'
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    })
  const corsHeaders = (response: Response) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'))

  test('CORS_ORIGINS=https://app.example.com: only that exact origin is allowed, without credentials', async () => {
    const gw = await gateway({ CORS_ORIGINS: APP })
    const allowed = await preflight(gw.url, APP)
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP)
    expect(allowed.headers.get('access-control-allow-credentials')).not.toBe('true')
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST')
    expect((allowed.headers.get('access-control-allow-headers') ?? '').toLowerCase()).toContain('authorization')
    expect(allowed.headers.get('vary') ?? '').toMatch(/origin/i)
    expect(gw.mock.requests).toHaveLength(0)
    for (const origin of [
      'https://evil.example.com',
      'https://app.example.com.evil.net',
      'null',
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://sub.app.example.com',
    ]) {
      const denied = await preflight(gw.url, origin)
      expect([origin, denied.headers.get('access-control-allow-origin')]).toEqual([origin, null])
      expect(denied.headers.get('access-control-allow-credentials')).not.toBe('true')
    }
    // A real request from the allowed origin: ACAO and Vary: Origin; from another: no ACAO.
    const post = await gw.chat(HELLO, { origin: APP })
    expect(post.status).toBe(200)
    expect(post.headers.get('access-control-allow-origin')).toBe(APP)
    expect(post.headers.get('vary') ?? '').toMatch(/\borigin\b/i)
    expect(post.headers.get('access-control-allow-credentials')).not.toBe('true')
    const evilPost = await gw.chat(HELLO, { origin: 'https://evil.example.com' })
    expect(evilPost.headers.get('access-control-allow-origin')).toBeNull()
  })

  // Doc §6: "a list means exact string match against a Set". @elysiajs/cors 1.4.2 matches with
  // `from in originMap` (prototype keys match) and then compares the origin minus its scheme.
  test('the match is exact: prototype names and scheme tricks are not allowed; a scheme-less entry never matches', async () => {
    const gw = await gateway({ CORS_ORIGINS: APP })
    const echoed: string[] = []
    for (const origin of ['constructor', '__proto__', 'toString', 'x://https://app.example.com']) {
      if ((await preflight(gw.url, origin)).headers.get('access-control-allow-origin') !== null) echoed.push(origin)
    }
    let schemeLess: TestGateway | undefined
    try {
      schemeLess = await gateway({ CORS_ORIGINS: 'app.example.com' })
    } catch {
      // Refusing a scheme-less origin at start-up is a fine answer too.
    }
    if (schemeLess) {
      for (const origin of ['http://app.example.com', 'evil://app.example.com']) {
        if ((await preflight(schemeLess.url, origin)).headers.get('access-control-allow-origin') !== null)
          echoed.push(`${origin} (CORS_ORIGINS=app.example.com)`)
      }
    }
    expect(echoed).toEqual([])
  })

  test('CORS_ORIGINS=*: ACAO * and never credentials', async () => {
    const gw = await gateway({ CORS_ORIGINS: '*' })
    for (const origin of [APP, 'https://evil.example.com', 'null']) {
      const response = await preflight(gw.url, origin)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('access-control-allow-credentials')).toBeNull()
    }
    const post = await gw.chat(HELLO, { origin: APP })
    expect(post.headers.get('access-control-allow-origin')).toBe('*')
    expect(post.headers.get('access-control-allow-credentials')).toBeNull()
  })

  test('CORS_ORIGINS unset: no CORS header at all, preflight or not', async () => {
    const gw = await gateway()
    const pre = await preflight(gw.url, APP)
    expect(pre.status).not.toBe(204)
    expect(corsHeaders(pre)).toEqual([])
    const post = await gw.chat(HELLO, { origin: APP })
    expect(post.status).toBe(200)
    expect(corsHeaders(post)).toEqual([])
  })
})

describe('sec-6: URLs in content are never fetched by the gateway', () => {
  test('image_url and file_data at a canary on 127.0.0.1 → passed upstream as URLs; the canary gets 0 requests', async () => {
    let hits = 0
    const canary = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () => {
        hits++
        return new Response('canary', { headers: { 'content-type': 'image/png' } })
      },
    })
    try {
      const gw = await gateway()
      const image = `http://127.0.0.1:${canary.port}/a.png`
      const pdf = `http://127.0.0.1:${canary.port}/doc.pdf`
      const content = [
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url: image } },
        { type: 'file', file: { file_data: pdf, filename: 'doc.pdf' } },
      ]
      for (const stream of [false, true]) {
        const response = await gw.chat({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content }], stream })
        expect(response.status).toBe(200)
        await response.text()
      }
      await Bun.sleep(200)
      expect(hits).toBe(0)
      const blocks = gw.mock.requests[0]?.body.messages[0]?.content as { type: string; source?: { type: string; url?: string } }[]
      expect(blocks.filter((b) => b.source).map((b) => [b.type, b.source?.type, b.source?.url])).toEqual([
        ['image', 'url', image],
        ['document', 'url', pdf],
      ])
    } finally {
      canary.stop(true)
    }
  })

  test.each([
    ['image_url', 'file:///etc/passwd'],
    ['image_url', 'ftp://127.0.0.1/a.png'],
    ['image_url', 'gopher://127.0.0.1:70/_x'],
    ['image_url', 'data:text/html;base64,PGgxPng8L2gxPg=='],
    ['file', 'file:///etc/passwd'],
  ])('%s %s → 400, nothing sent upstream', async (kind, url) => {
    const gw = await gateway()
    const part = kind === 'image_url' ? { type: 'image_url', image_url: { url } } : { type: 'file', file: { file_data: url } }
    const response = await gw.chat({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, part] }] })
    expect(response.status).toBe(400)
    const { error } = (await response.json()) as { error: { param: string; type: string } }
    expect(error.type).toBe('invalid_request_error')
    expect(error.param).toStartWith('messages[0].content[1]')
    expect(JSON.stringify(error)).not.toContain('/etc/passwd:')
    expect(gw.mock.requests).toHaveLength(0)
  })
})
