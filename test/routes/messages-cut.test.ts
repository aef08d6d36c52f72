import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { fixtureText } from '../support/fixtures.ts'
import { messageStart, SSE_HEAD, startTcpUpstream, type TcpUpstream, textDelta, textStart } from '../support/reliability-tcp.ts'
import { CLIENT_KEY, json, startGateway, type TestGateway } from '../support/test-gateway.ts'

/**
 * An upstream answer cut short must never reach an Anthropic-native client as a whole one: not as
 * a 200 with half a JSON body, not as an event stream that just stops before `message_stop`.
 */
type Cut = 'rst' | 'fin' | 'clean-end'
/** What the upstream sends next: `body` (in `split`-byte HTTP chunks when chunked), then the cut. */
let script: { body: string; contentType: string; cut: Cut; chunked: boolean; split?: number }
let upstream: TcpUpstream
let gw: TestGateway
beforeAll(async () => {
  upstream = await startTcpUpstream(async (conn) => {
    const { body, contentType, cut, chunked, split = body.length } = script
    const length: Record<string, string> = cut === 'clean-end' ? {} : { 'content-length': String(Buffer.byteLength(body) * 2) }
    conn.head(200, { 'content-type': contentType, 'request-id': 'req_cut', ...(chunked ? {} : length) }, { chunked })
    if (chunked) for (let at = 0; at < body.length; at += split) await conn.chunk(body.slice(at, at + split))
    else await new Promise<void>((resolve) => conn.socket.write(body, () => resolve()))
    await Bun.sleep(20)
    if (cut === 'rst') conn.socket.resetAndDestroy()
    else if (cut === 'fin') conn.socket.end()
    else conn.finish()
  })
  gw = await startGateway({ env: { UPSTREAM_API_URL: upstream.url, LOG_LEVEL: 'info' } })
})
afterAll(async () => {
  await gw.stop()
  upstream.stop()
})
beforeEach(() => {
  gw.logs.length = 0
})

const NATIVE = { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }
const MESSAGE = JSON.stringify({
  id: 'msg_cut',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'a long answer '.repeat(20) }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 3 },
})
const HALF = MESSAGE.slice(0, MESSAGE.length >> 1)
const requestLine = () => gw.logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'request')

describe('/v1/messages, not streamed: half a JSON body is a 502 in Anthropic shape, never a 200', () => {
  test.each([
    ['content-length, then a reset', 'rst', false],
    ['content-length, then a FIN', 'fin', false],
    ['chunked, then a reset', 'rst', true],
    ['chunked, then a FIN without the last chunk', 'fin', true],
    ['chunked, ended cleanly but not JSON', 'clean-end', true],
  ] as const)('%s', async (_name, cut, chunked) => {
    script = { body: HALF, contentType: 'application/json', cut, chunked }
    const response = await gw.post('/v1/messages', NATIVE, { 'x-api-key': CLIENT_KEY })
    expect(response.status).toBe(502)
    expect(response.headers.get('x-upstream-request-id')).toBe('req_cut')
    expect(await response.json()).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringMatching(/complete|cut|before/) } })
    expect(requestLine()).toMatchObject({ status: 502, upstream_status: 200, error_type: 'upstream_error' })
  })

  test('the chat route says the same of the same answer', async () => {
    script = { body: HALF, contentType: 'application/json', cut: 'rst', chunked: false }
    const response = await gw.post('/v1/chat/completions', NATIVE)
    expect(response.status).toBe(502)
    expect((await json(response)).error.type).toBe('upstream_error')
  })
})

const PARTIAL_STREAM = messageStart() + textStart() + textDelta('Hello')

describe('/v1/messages, streamed: a body that ends before message_stop ends with an Anthropic error event', () => {
  test.each(['rst', 'fin', 'clean-end'] as const)('%s', async (cut) => {
    script = { body: PARTIAL_STREAM, contentType: SSE_HEAD['content-type'], cut, chunked: true }
    const response = await gw.post('/v1/messages', { ...NATIVE, stream: true }, { 'x-api-key': CLIENT_KEY })
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text.startsWith(PARTIAL_STREAM)).toBe(true)
    const tail = text.slice(PARTIAL_STREAM.length).trimStart()
    expect(tail).toStartWith('event: error\ndata: ')
    expect(JSON.parse(tail.split('data: ')[1] as string)).toEqual({ type: 'error', error: { type: 'api_error', message: expect.any(String) } })
    expect(requestLine()).toMatchObject({ status: 200, error_code: 'stream_incomplete' })
  })

  test('an event stream with no bytes at all ends with the error event too', async () => {
    script = { body: '', contentType: SSE_HEAD['content-type'], cut: 'clean-end', chunked: true }
    const text = await (await gw.post('/v1/messages', { ...NATIVE, stream: true }, { 'x-api-key': CLIENT_KEY })).text()
    expect(text.trimStart()).toStartWith('event: error\ndata: ')
    expect(requestLine()).toMatchObject({ status: 200, error_code: 'stream_incomplete' })
  })

  test('a whole stream passes unchanged, even split every 5 bytes', async () => {
    const whole = fixtureText('anthropic/text.sse')
    script = { body: whole, contentType: SSE_HEAD['content-type'], cut: 'clean-end', chunked: true, split: 5 }
    const response = await gw.post('/v1/messages', { ...NATIVE, stream: true }, { 'x-api-key': CLIENT_KEY })
    expect(await response.text()).toBe(whole)
    expect(requestLine()?.error_code).toBeUndefined()
  })

  test('message_stop with spaces around its JSON, and a text that mentions "message_stop", are told apart', async () => {
    const quoted = textDelta('the "message_stop" event')
    const whole = `${messageStart()}${textStart()}${quoted}${'event: message_stop\ndata: { "type" : "message_stop" }\n\n'}`
    script = { body: whole, contentType: SSE_HEAD['content-type'], cut: 'clean-end', chunked: true }
    expect(await (await gw.post('/v1/messages', { ...NATIVE, stream: true }, { 'x-api-key': CLIENT_KEY })).text()).toBe(whole)
    gw.logs.length = 0
    script = { body: messageStart() + textStart() + quoted, contentType: SSE_HEAD['content-type'], cut: 'clean-end', chunked: true }
    expect(await (await gw.post('/v1/messages', { ...NATIVE, stream: true }, { 'x-api-key': CLIENT_KEY })).text()).toContain('event: error')
  })
})
