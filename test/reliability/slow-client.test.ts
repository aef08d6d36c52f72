import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { AUTH, chatBody, MiB } from '../support/reliability-gateway.ts'
import {
  httpRequest,
  messageEnd,
  messageStart,
  rawClient,
  SSE_HEAD,
  startTcpUpstream,
  type TcpUpstream,
  textDelta,
  textStart,
  type UpstreamConn,
  within,
} from '../support/reliability-tcp.ts'
import { startGateway, type TestGateway } from '../support/test-gateway.ts'

/**
 * A client that stops reading while the upstream streams at full speed is not a silent upstream:
 * UPSTREAM_TIMEOUT times only the upstream's silence. A client that never reads again is ended by
 * its own limit, CLIENT_IDLE_TIMEOUT, and logged as the client's doing (499), not the upstream's.
 */
// Fractions of a second, so that the file stays short; the gateway times both waits with setTimeout.
const UPSTREAM_TIMEOUT = 0.5
const CLIENT_IDLE_TIMEOUT = 2
// Well past the kernel and Bun buffers between the three (9–13 MiB, see backpressure.test.ts).
const FLOOD_BYTES = 30 * MiB
const EVENTS_PER_WRITE = textDelta('x'.repeat(4096)).repeat(16)

/** A whole answer: FLOOD_BYTES of text as fast as the socket takes it, then its end. */
const flood = async (conn: UpstreamConn) => {
  conn.head(200, SSE_HEAD, { chunked: true })
  await conn.chunk(messageStart() + textStart())
  while (conn.isOpen() && conn.bytesQueued < FLOOD_BYTES) await conn.chunk(EVENTS_PER_WRITE)
  await conn.chunk(messageEnd())
  conn.finish()
}

let upstream: TcpUpstream
let gw: TestGateway
beforeAll(async () => {
  upstream = await startTcpUpstream((conn) => flood(conn))
  gw = await startGateway({
    env: { UPSTREAM_API_URL: upstream.url, UPSTREAM_TIMEOUT: String(UPSTREAM_TIMEOUT), CLIENT_IDLE_TIMEOUT: String(CLIENT_IDLE_TIMEOUT), LOG_LEVEL: 'info' },
  })
})
afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

const ROUTES = [
  ['chat', '/v1/chat/completions', (marker: string) => chatBody(marker, { stream: true })],
  ['chat-n2', '/v1/chat/completions', (marker: string) => chatBody(marker, { stream: true, n: 2 })],
  [
    'messages',
    '/v1/messages',
    (marker: string) => JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: marker }] }),
  ],
] as const

const logLineOf = (requestId: string) => gw.logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'request' && entry.request_id === requestId)

/** A raw client that sent one request (its id: `marker`) and reads nothing; the upstream connection it caused. */
const pausedRequest = async (marker: string, path: string, body: string) => {
  const client = await rawClient(gw.port)
  client.pause()
  await client.write(httpRequest({ path, headers: { ...AUTH, 'x-request-id': marker }, body }))
  return { client, conn: await upstream.waitForRequest(marker) }
}

describe('a slow client is not a silent upstream', () => {
  test.concurrent.each(ROUTES)(
    '%s: a client that pauses past UPSTREAM_TIMEOUT, then reads on, gets the whole answer',
    async (name, path, body) => {
      const marker = `pause-${name}`
      const { client, conn } = await pausedRequest(marker, path, body(marker))
      await Bun.sleep((UPSTREAM_TIMEOUT + 1) * 1000)
      // The gateway stopped reading the upstream, which is still there, held back.
      expect(conn.isOpen()).toBe(true)
      expect(conn.bytesAccepted()).toBeLessThan(FLOOD_BYTES)
      client.socket.resume()
      const response = await client.waitFor((r) => r.complete, 10_000)
      expect(response.status).toBe(200)
      expect(response.body).not.toContain('upstream_timeout')
      expect(response.body).not.toContain('error')
      expect(response.body).toContain(path === '/v1/messages' ? '"message_stop"' : '"finish_reason":"stop"')
      expect(logLineOf(marker)).toMatchObject({ status: 200 })
      expect(logLineOf(marker)?.error_code).toBeUndefined()
      client.kill()
    },
    15_000,
  )

  // Side by side (each request is told apart by its marker): each waits for its own connection to
  // be dropped, on Bun's coarse idle sweep (~4 s).
  test.concurrent.each(ROUTES)(
    '%s: a client that never reads again is ended after CLIENT_IDLE_TIMEOUT, logged as 499 client_idle_timeout',
    async (name, path, body) => {
      const marker = `never-${name}`
      const { client, conn } = await pausedRequest(marker, path, body(marker))
      const closedAfterMs = await within(conn.closed, conn.openedAt, (CLIENT_IDLE_TIMEOUT + 3) * 1000)
      // Bytes reach the kernel buffers at once; from then on the client takes nothing.
      expect(closedAfterMs).toBeGreaterThan(CLIENT_IDLE_TIMEOUT * 1000 - 100)
      expect(closedAfterMs).toBeLessThan((CLIENT_IDLE_TIMEOUT + 2) * 1000)
      await Bun.sleep(50)
      expect(logLineOf(marker)).toMatchObject({ status: 499, error_code: 'client_idle_timeout', upstream_status: 200 })
      // Closed by the server while the client still reads nothing (Bun's idle timer ticks every ~4 s).
      const dropDeadline = performance.now() + 7000
      while (gw.pendingRequests() > 0 && performance.now() < dropDeadline) await Bun.sleep(100)
      expect(gw.pendingRequests()).toBe(0)
      // The connection is dropped: reading on shows it closed, with no clean end of the answer.
      client.socket.resume()
      await within(client.closed, performance.now(), 3000)
      expect(client.isClosed()).toBe(true)
      expect(client.response()?.complete).toBe(false)
    },
    20_000,
  )
})
