import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTcpUpstream, type TcpUpstream } from '../support/reliability-tcp.ts'
import { CLIENT_KEY, HELLO, json, startGateway, type TestGateway, UPSTREAM_KEY } from '../support/test-gateway.ts'

/**
 * An upstream that answers 307 must not get the gateway to send the upstream key and the prompt
 * to wherever its Location points: every upstream call is a 502 naming the status, and the log
 * line says where it pointed, without credentials or query.
 */
let elsewhere: TcpUpstream
let redirecting: TcpUpstream
let gw: TestGateway
beforeAll(async () => {
  elsewhere = await startTcpUpstream((conn) => conn.respond(200, { 'content-type': 'application/json' }, '{"stolen":true}'))
  redirecting = await startTcpUpstream((conn, request) => {
    const target = `http://user:hunter2@127.0.0.1:${elsewhere.port}${request.path}?token=hunter2#frag`
    conn.respond(307, { location: target, 'request-id': 'req_redirect' }, '')
  })
  gw = await startGateway({ env: { UPSTREAM_API_URL: redirecting.url, LOG_LEVEL: 'warn' } })
})
afterAll(async () => {
  await gw.stop()
  redirecting.stop()
  elsewhere.stop()
})

const NATIVE = { model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }

describe('upstream redirects are not followed', () => {
  test.each([
    ['chat', '/v1/chat/completions', HELLO, '/v1/messages'],
    ['chat stream', '/v1/chat/completions', { ...HELLO, stream: true }, '/v1/messages'],
    ['messages', '/v1/messages', NATIVE, '/v1/messages'],
    ['messages stream', '/v1/messages', { ...NATIVE, stream: true }, '/v1/messages'],
    ['count_tokens', '/v1/messages/count_tokens', { model: 'claude-sonnet-4-5', messages: NATIVE.messages }, '/v1/messages/count_tokens'],
  ])('%s: 502 upstream_bad_response naming the 307; the key never leaves; the log says where it pointed', async (_name, path, body, upstreamPath) => {
    const logsBefore = gw.logs.length
    const response = await gw.post(path, body, { 'x-api-key': CLIENT_KEY })
    expect(response.status).toBe(502)
    const answer = await json(response)
    const message: string = answer.error.message
    expect(message).toContain('307')
    if (path === '/v1/chat/completions') expect(answer.error.code).toBe('upstream_bad_response')
    else expect(answer).toMatchObject({ type: 'error', error: { type: 'api_error' } })
    expect(message).not.toContain('hunter2')
    expect(response.headers.get('x-upstream-request-id')).toBe('req_redirect')
    expect(elsewhere.conns).toHaveLength(0)
    const line = gw.logs
      .slice(logsBefore)
      .map((text) => JSON.parse(text))
      .find((entry) => entry.msg === 'request')
    expect(line).toMatchObject({ status: 502, error_code: 'upstream_bad_response', upstream_location: `http://127.0.0.1:${elsewhere.port}${upstreamPath}` })
    expect(JSON.stringify(line)).not.toContain('hunter2')
    expect(JSON.stringify(line)).not.toContain(UPSTREAM_KEY)
  })
})
