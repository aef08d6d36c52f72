import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rawClient } from '../support/reliability-tcp.ts'
import { CLIENT_KEY, startGateway, type TestGateway } from '../support/test-gateway.ts'

/**
 * Issue 11 §1: the key check, the body-size limit and the log line follow the route the router
 * chose, whatever the request target and Host look like. Every case is sent on a raw socket, so
 * the target and the Host reach the gateway exactly as written.
 */

const CHAT = JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'no key' }] })
const CHAT_STREAM = JSON.stringify({ model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'no key' }] })
const NATIVE = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'no key' }] })

let gw: TestGateway
let port: number
beforeAll(async () => {
  gw = await startGateway({ env: { LOG_LEVEL: 'info', MAX_BODY_BYTES: String(1024 * 1024) } })
  port = Number(new URL(gw.url).port)
})
afterAll(() => gw.stop())

/** One request, written byte for byte; the status and body once the answer is complete. */
const exchange = async (head: string, body = '') => {
  const client = await rawClient(port)
  const length = body === '' ? '' : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
  await client.write(`${head}\r\n${length}connection: close\r\n\r\n${body}`)
  const response = await client.waitFor((r) => r.complete || client.isClosed(), 5000)
  client.kill()
  return response
}

const requestLines = () => gw.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request')

/** Request lines (target and headers, without the final CRLF) that must never reach a route without a key. */
const TARGETS: [string, string, string][] = [
  ['a query holding a path, Host of one character', 'POST /health?/v1/chat/completions HTTP/1.1\r\nhost: a', CHAT],
  ['the same, streamed', 'POST /health?/v1/chat/completions HTTP/1.1\r\nhost: a', CHAT_STREAM],
  ['a query holding the native path', 'POST /health?/v1/messages HTTP/1.1\r\nhost: a', NATIVE],
  ['a Host of three characters', 'POST /health?/v1/chat/completions HTTP/1.1\r\nhost: abc', CHAT],
  ['a normal Host', 'POST /v1/chat/completions HTTP/1.1\r\nhost: gateway.example', CHAT],
  ['a Host of one character on the chat path', 'POST /v1/chat/completions HTTP/1.1\r\nhost: a', CHAT],
  ['an absolute-form target', 'POST http://a/v1/chat/completions HTTP/1.1\r\nhost: a', CHAT],
  ['an absolute-form target naming another host', 'POST http://evil.example/health?/v1/chat/completions HTTP/1.1\r\nhost: a', CHAT],
  ['a double slash', 'POST //v1/chat/completions HTTP/1.1\r\nhost: a', CHAT],
  ['an escaped slash', 'POST /v1%2Fchat%2Fcompletions HTTP/1.1\r\nhost: a', CHAT],
  ['dot segments', 'POST /health/../v1/chat/completions HTTP/1.1\r\nhost: a', CHAT],
  ['escaped dot segments', 'POST /health/%2e%2e/v1/chat/completions HTTP/1.1\r\nhost: a', CHAT],
  ['HTTP/1.0 without a Host', 'POST /v1/chat/completions HTTP/1.0', CHAT],
  ['HTTP/1.0 without a Host, native count_tokens', 'POST /v1/messages/count_tokens HTTP/1.0', NATIVE],
  ['a Host with a slash', 'POST /v1/chat/completions HTTP/1.1\r\nhost: a/health', CHAT],
  ['an empty Host', 'POST /health?/v1/chat/completions HTTP/1.1\r\nhost: ', CHAT],
]

describe('without a key, no target and no Host reaches a route that needs one', () => {
  test.each(TARGETS)('%s → never an answer from the upstream', async (_name, head, body) => {
    const before = gw.mock.requests.length
    const response = await exchange(head, body)
    expect(gw.mock.requests.length).toBe(before)
    expect([400, 401, 404, 405]).toContain(response.status)
    expect(response.body).not.toContain('chat.completion')
    expect(response.body).not.toContain('"type":"message"')
  })
})

describe('with a key, the same odd targets are served by the route the router chose', () => {
  test('POST /health?/v1/chat/completions with Host a is POST on /health: 405, not a completion', async () => {
    const response = await exchange(`POST /health?/v1/chat/completions HTTP/1.1\r\nhost: a\r\nauthorization: Bearer ${CLIENT_KEY}`, CHAT)
    expect(response.status).toBe(405)
    expect(response.headers.allow).toBe('GET')
  })

  test('a one-character Host routes the chat path like any other Host', async () => {
    const response = await exchange(`POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\nauthorization: Bearer ${CLIENT_KEY}`, CHAT)
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body).object).toBe('chat.completion')
  })

  test('HTTP/1.0 without a Host reaches the native count_tokens route', async () => {
    const response = await exchange(`POST /v1/messages/count_tokens HTTP/1.0\r\nx-api-key: ${CLIENT_KEY}`, NATIVE)
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body).input_tokens).toBeGreaterThan(0)
  })
})

describe('the size limit follows the route, not a reading of the target', () => {
  const big = JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] })
  test.each([
    ['a query holding a path, Host a', 'POST /health?/v1/chat/completions HTTP/1.1\r\nhost: a'],
    ['a Host of one character', 'POST /v1/chat/completions HTTP/1.1\r\nhost: a'],
    ['HTTP/1.0 without a Host', 'POST /v1/chat/completions HTTP/1.0'],
  ])('%s with a key and a 2 MiB body → 413 or 405, never forwarded', async (_name, head) => {
    const before = gw.mock.requests.length
    const response = await exchange(`${head}\r\nauthorization: Bearer ${CLIENT_KEY}`, big)
    expect(gw.mock.requests.length).toBe(before)
    expect([405, 413]).toContain(response.status)
  })

  test('a 2 MiB body to the chat route through a one-character Host is a 413 request_too_large', async () => {
    const response = await exchange(`POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\nauthorization: Bearer ${CLIENT_KEY}`, big)
    expect(response.status).toBe(413)
    expect(JSON.parse(response.body).error.code).toBe('request_too_large')
  })
})

describe('the log line names the route that answered', () => {
  test('a 401 through an odd target is logged under the route the router chose', async () => {
    gw.logs.length = 0
    await exchange('POST /v1/chat/completions HTTP/1.1\r\nhost: a', CHAT)
    await exchange('POST /health?/v1/chat/completions HTTP/1.1\r\nhost: a', CHAT)
    const [chat, health] = requestLines()
    expect(chat).toMatchObject({ path: '/v1/chat/completions', status: 401, error_code: 'invalid_api_key' })
    expect(health).toMatchObject({ path: '/health', status: 405 })
  })

  test('a served request and an unknown path each get their path', async () => {
    gw.logs.length = 0
    await exchange(`GET /v1/models HTTP/1.1\r\nhost: a\r\nauthorization: Bearer ${CLIENT_KEY}`)
    await exchange('GET /v1/nothing-here HTTP/1.1\r\nhost: gateway.example')
    const [models, unknown] = requestLines()
    expect(models).toMatchObject({ path: '/v1/models', status: 200 })
    expect(unknown).toMatchObject({ path: '/v1/nothing-here', status: 404 })
  })
})

describe('routes with parameters', () => {
  test('a wrong method on /v1/responses/{id} and its input_items is a 405 naming the methods; a deeper path is a 404', async () => {
    const auth = `authorization: Bearer ${CLIENT_KEY}`
    const post = await exchange(`POST /v1/responses/resp_x HTTP/1.1\r\nhost: gateway.example\r\n${auth}`, '{}')
    expect(post.status).toBe(405)
    expect(post.headers.allow).toBe('GET, DELETE')
    const remove = await exchange(`DELETE /v1/responses/resp_x/input_items HTTP/1.1\r\nhost: gateway.example\r\n${auth}`)
    expect(remove.status).toBe(405)
    expect(remove.headers.allow).toBe('GET')
    expect((await exchange(`GET /v1/responses/resp_x/other HTTP/1.1\r\nhost: gateway.example\r\n${auth}`)).status).toBe(404)
  })

  test('a served request on a parameterised route logs the route, so labels stay bounded', async () => {
    gw.logs.length = 0
    await exchange(`GET /v1/responses/resp_unknown HTTP/1.1\r\nhost: gateway.example\r\nauthorization: Bearer ${CLIENT_KEY}`)
    expect(requestLines()[0]).toMatchObject({ path: '/v1/responses/:id', status: 404 })
  })
})
