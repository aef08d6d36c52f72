import { afterAll, beforeAll, expect, test } from 'bun:test'
import { CLIENT_KEY, HELLO, startGateway, type TestGateway } from '../support/test-gateway.ts'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway({ env: { LOG_LEVEL: 'info' } })
})
afterAll(() => gw.stop())

const get = (path: string, id: string) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${CLIENT_KEY}`, 'x-request-id': id } })

// A CORS preflight is the one exception (answered by the cors plugin's onRequest); none is configured here.
test('every request gets exactly one log line with its status, however it ends', async () => {
  const cases: [id: string, status: number, send: (id: string) => Promise<Response>][] = [
    ['health', 200, (id) => get('/health', id)],
    ['models', 200, (id) => get('/v1/models', id)],
    ['json', 200, (id) => gw.chat(HELLO, { 'x-request-id': id })],
    ['stream', 200, (id) => gw.chat({ ...HELLO, stream: true }, { 'x-request-id': id })],
    ['n2-json', 200, (id) => gw.chat({ ...HELLO, n: 2 }, { 'x-request-id': id })],
    ['n2-stream', 200, (id) => gw.chat({ ...HELLO, n: 2, stream: true }, { 'x-request-id': id })],
    [
      'native',
      200,
      (id) =>
        gw.post('/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'x-request-id': id, 'x-api-key': CLIENT_KEY }),
    ],
    ['schema', 400, (id) => gw.chat({ model: 'm' }, { 'x-request-id': id })],
    ['not-json', 400, (id) => gw.post('/v1/chat/completions', '{nope', { 'x-request-id': id })],
    ['bad-key', 401, (id) => gw.chat(HELLO, { 'x-request-id': id, authorization: 'Bearer wrong' })],
    ['unknown-path', 404, (id) => get('/v1/nothing-here', id)],
    ['wrong-method', 405, (id) => get('/v1/chat/completions', id)],
    [
      'upstream-429',
      429,
      (id) => {
        gw.mock.reply({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Slow down' })
        return gw.chat(HELLO, { 'x-request-id': id })
      },
    ],
  ]
  for (const [id, status, send] of cases) {
    const response = await send(id)
    await response.text()
    expect([id, response.status]).toEqual([id, status])
  }
  await Bun.sleep(50)
  const lines = gw.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request')
  for (const [id, status] of cases) {
    expect([id, lines.filter((line) => line.request_id === id).map((line) => line.status)]).toEqual([id, [status]])
  }
})
