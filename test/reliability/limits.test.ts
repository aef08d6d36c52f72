import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { createMockUpstream, type MockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { stopAll } from '../support/processes.ts'
import { AUTH, type ChildGateway, MiB, report, startChildGateway } from '../support/reliability-gateway.ts'
import { httpRequest, type RawClient, rawClient } from '../support/reliability-tcp.ts'
import { UPSTREAM_KEY } from '../support/test-gateway.ts'

/**
 * in-4, in-5 and slow bodies (reliability doc §1, §3, §9) against a child gateway with
 * MAX_BODY_BYTES = 64 KiB (so Bun's own backstop, maxRequestBodySize, is 128 KiB).
 */

const LIMIT = 64 * 1024

let mock: MockUpstream
let gateway: ChildGateway
beforeAll(async () => {
  mock = createMockUpstream({ apiKey: UPSTREAM_KEY })
  gateway = await startChildGateway(mock.url, { MAX_BODY_BYTES: String(LIMIT) })
})
afterAll(async () => {
  await gateway?.stop()
  await stopAll()
  mock?.stop()
})
beforeEach(() => mock.reset())

/** A chat body of exactly `size` bytes whose user text is `tag` padded with letters. */
const bodyOfSize = (size: number, tag: string) => {
  const empty = JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: tag }] })
  const text = tag + 'a'.repeat(size - empty.length)
  const body = JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: text }] })
  if (body.length !== size) throw new Error(`body is ${body.length} bytes, wanted ${size}`)
  return { body, text }
}

const upstreamText = () => {
  const content = mock.requests[0]?.body.messages[0]?.content
  return typeof content === 'string' ? content : content?.map((block) => ('text' in block ? block.text : '')).join('')
}

/**
 * Sends a JSON body of `size` bytes as HTTP chunks of 64 KiB (`prefix`, then letters), as fast as
 * the socket takes them, until all is sent or the server answers or closes. Returns the bytes sent.
 */
const floodChunked = async (client: RawClient, prefix: string, size: number, suffix = '') => {
  const frame = (bytes: Buffer) => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')])
  const letters = frame(Buffer.alloc(64 * 1024, 'a'))
  await client.write(frame(Buffer.from(prefix)))
  let sent = prefix.length
  const deadline = performance.now() + 5000
  while (sent + 64 * 1024 + suffix.length <= size && !client.isClosed() && !client.response() && performance.now() < deadline) {
    await client.write(letters)
    sent += 64 * 1024
  }
  const rest = size - sent - suffix.length
  if (rest >= 0 && !client.isClosed() && !client.response()) {
    await client.write(frame(Buffer.from('a'.repeat(rest) + suffix)))
    await client.write('0\r\n\r\n')
    sent = size
  }
  return sent
}

/** The response once complete, or whatever arrived when the server closed (bounded). */
const finalResponse = async (client: RawClient, ms = 3000) => {
  const deadline = performance.now() + ms
  while (performance.now() < deadline && !client.response()?.complete && !client.isClosed()) await Bun.sleep(2)
  await Bun.sleep(5)
  return client.response()
}

const json = (text: string) => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

describe('in-4: request bodies over MAX_BODY_BYTES', () => {
  test('a declared 50 MiB Content-Length, headers only → 413 JSON request_too_large within 100 ms, nothing sent upstream', async () => {
    const client = await rawClient(gateway.port)
    const started = performance.now()
    await client.write(httpRequest({ headers: { ...AUTH, 'content-length': String(50 * MiB) } }))
    const response = await finalResponse(client, 2000)
    const ms = performance.now() - started
    client.kill()
    report('in-4 declared 50 MiB', {
      status: response?.status,
      ms: Number(ms.toFixed(1)),
      content_type: response?.headers['content-type'] ?? null,
      body: response?.body.slice(0, 120),
    })
    expect(response?.status).toBe(413)
    expect(response?.headers['content-type']).toBe('application/json')
    expect(json(response?.body ?? '')?.error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' })
    expect(ms).toBeLessThan(100)
    expect(mock.requests).toHaveLength(0)
  })

  test('auth-2 in the production set-up: a wrong key with a declared 50 MiB body is still a 401, not a 413', async () => {
    const client = await rawClient(gateway.port)
    await client.write(httpRequest({ headers: { ...AUTH, authorization: 'Bearer sk-wrong', 'content-length': String(50 * MiB) } }))
    const response = await finalResponse(client, 2000)
    client.kill()
    report('auth-2 child', { status: response?.status, body: response?.body.slice(0, 120) })
    expect(response?.status).toBe(401)
    expect(json(response?.body ?? '')?.error?.code).toBe('invalid_api_key')
  })

  test('a declared Content-Length of MAX_BODY_BYTES + 1 → 413 JSON; exactly MAX_BODY_BYTES → forwarded', async () => {
    const over = bodyOfSize(LIMIT + 1, 'over-by-one')
    const tooBig = await fetch(`${gateway.base}/v1/chat/completions`, { method: 'POST', headers: AUTH, body: over.body })
    expect(tooBig.status).toBe(413)
    expect(json(await tooBig.text())?.error?.code).toBe('request_too_large')
    expect(mock.requests).toHaveLength(0)
    const exact = bodyOfSize(LIMIT, 'exactly-at-limit')
    const ok = await fetch(`${gateway.base}/v1/chat/completions`, { method: 'POST', headers: AUTH, body: exact.body })
    expect(ok.status).toBe(200)
    expect(upstreamText()).toBe(exact.text)
  })

  test('a chunked, valid JSON body of 96 KiB (over our limit, under Bun’s backstop) → 413 JSON, nothing sent upstream', async () => {
    const { body } = bodyOfSize(96 * 1024, 'chunked-96k')
    const client = await rawClient(gateway.port)
    await client.write(httpRequest({ headers: { ...AUTH, 'transfer-encoding': 'chunked' } }))
    const prefix = body.slice(0, body.indexOf('chunked-96k'))
    await floodChunked(client, prefix, body.length, '"}]}')
    const response = await finalResponse(client)
    client.kill()
    report('in-4 chunked 96 KiB', { status: response?.status, body: response?.body.slice(0, 120), upstream_requests: mock.requests.length })
    expect(response?.status).toBe(413)
    expect(json(response?.body ?? '')?.error?.code).toBe('request_too_large')
    expect(mock.requests).toHaveLength(0)
  })

  test('a chunked 50 MiB body at full speed → 413 JSON once past the limit, RSS growth < 5 MB', async () => {
    const before = gateway.stats()
    const client = await rawClient(gateway.port)
    await client.write(httpRequest({ headers: { ...AUTH, 'transfer-encoding': 'chunked' } }))
    const sent = await floodChunked(client, '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"', 50 * MiB)
    const response = await finalResponse(client)
    const after = gateway.stats()
    client.kill()
    report('in-4 chunked 50 MiB', {
      status: response?.status ?? null,
      body: response?.body.slice(0, 120) ?? null,
      client_sent_kib: Math.round(sent / 1024),
      rss_growth_mb: Number(((after.rss - before.rss) / MiB).toFixed(1)),
    })
    expect(response?.status).toBe(413)
    expect(response?.headers['content-type']).toBe('application/json')
    expect(json(response?.body ?? '')?.error?.code).toBe('request_too_large')
    expect(after.rss - before.rss).toBeLessThan(5 * MiB)
    expect(mock.requests).toHaveLength(0)
  })

  test.each(['content-length', 'chunked'] as const)('a body just under the limit (%s) is forwarded byte-exact', async (framing) => {
    const { body, text } = bodyOfSize(LIMIT - 16, `just-under-${framing}`)
    const client = await rawClient(gateway.port)
    if (framing === 'content-length') await client.write(httpRequest({ headers: AUTH, body }))
    else {
      const half = body.length >> 1
      const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`
      await client.write(
        `${httpRequest({ headers: { ...AUTH, 'transfer-encoding': 'chunked' } }) + chunk(body.slice(0, half)) + chunk(body.slice(half))}0\r\n\r\n`,
      )
    }
    const response = await client.waitFor((r) => r.complete, 3000)
    client.kill()
    expect(response.status).toBe(200)
    expect(upstreamText()).toBe(text)
  })
})

describe('in-5: oversized header blocks', () => {
  test.each([
    ['one 64 KiB header', [['x-big', 'a'.repeat(64 * 1024)]] as [string, string][]],
    ['300 headers', Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v']) as [string, string][]],
  ])('%s → 431 (or 400), and /health answers 200 right after', async (_, extra) => {
    const client = await rawClient(gateway.port)
    await client.write(httpRequest({ headers: [...Object.entries(AUTH), ...extra], body: '{}' }))
    const response = await client.waitFor(() => true, 2000).catch(() => undefined)
    await client.closed
    client.kill()
    const started = performance.now()
    const health = await fetch(`${gateway.base}/health`)
    const healthMs = performance.now() - started
    report(`in-5 ${_}`, { status: response?.status, body_bytes: response?.body.length, health_ms: Number(healthMs.toFixed(1)) })
    expect([431, 400]).toContain(response?.status ?? 0)
    expect(health.status).toBe(200)
    expect(healthMs).toBeLessThan(250)
    expect(mock.requests).toHaveLength(0)
  })
})

describe('slow bodies (slowloris-ish)', () => {
  test('20 clients sending 1 byte of body per second do not slow other requests (3 s)', async () => {
    const body = JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'slow' }] })
    const slow = await Promise.all(Array.from({ length: 20 }, () => rawClient(gateway.port)))
    for (const client of slow) await client.write(httpRequest({ headers: { ...AUTH, 'content-length': String(body.length) } }))
    let sentBytes = 0
    const trickle = (async () => {
      for (let second = 0; second < 3; second++) {
        for (const client of slow) await client.write(body.charAt(second))
        sentBytes++
        await Bun.sleep(1000)
      }
    })()
    const latencies: number[] = []
    let failures = 0
    const until = performance.now() + 3000
    while (performance.now() < until) {
      const started = performance.now()
      const [health, chat] = await Promise.all([
        fetch(`${gateway.base}/health`).catch(() => undefined),
        fetch(`${gateway.base}/v1/chat/completions`, { method: 'POST', headers: AUTH, body }).catch(() => undefined),
      ])
      latencies.push(performance.now() - started)
      if (health?.status !== 200 || chat?.status !== 200) failures++
      await chat?.text()
      await Bun.sleep(50)
    }
    await trickle
    const stillOpen = slow.filter((client) => !client.isClosed()).length
    const answered = slow.filter((client) => client.response() !== undefined).length
    for (const client of slow) client.kill()
    latencies.sort((a, b) => a - b)
    report('slowloris', {
      other_requests: latencies.length,
      failures,
      p50_ms: Number((latencies[latencies.length >> 1] ?? 0).toFixed(1)),
      max_ms: Number((latencies.at(-1) ?? 0).toFixed(1)),
      slow_clients_open_after_3s: stillOpen,
      slow_clients_answered: answered,
      bytes_trickled_per_client: sentBytes,
    })
    expect(latencies.length).toBeGreaterThan(10)
    expect(failures).toBe(0)
    expect(latencies.at(-1) ?? 0).toBeLessThan(1000)
    // Nothing was answered to a body that has not arrived.
    expect(answered).toBe(0)
  }, 10_000)

  test('a slow body without a valid key is answered 401 at once, before its body', async () => {
    const client = await rawClient(gateway.port)
    const started = performance.now()
    await client.write(httpRequest({ headers: { authorization: 'Bearer wrong', 'content-type': 'application/json', 'content-length': '1000' } }))
    const response = await client.waitFor((r) => r.complete, 2000)
    client.kill()
    expect(response.status).toBe(401)
    expect(json(response.body)?.error?.code).toBe('invalid_api_key')
    expect(performance.now() - started).toBeLessThan(500)
  })
})
