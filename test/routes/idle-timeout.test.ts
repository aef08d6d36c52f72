import { describe, expect, test } from 'bun:test'
import { sseFrame } from '../../src/mock-upstream/mock-replies.ts'
import { fixtureEvents } from '../support/fixtures.ts'
import { HELLO, sseData, startGateway, type TestGateway } from '../support/test-gateway.ts'

// The server's idle timeout (Bun's default is 10 s) must never cut a slow answer: each request
// turns it off once its body is read. Scaled down: a 1 s server timeout, 2.5 s of upstream silence.
// The two cases run side by side, each with a gateway (and mock upstream) of its own.
const withGateway = async (use: (gw: TestGateway) => Promise<void>) => {
  const gw = await startGateway({ idleTimeout: 1, env: { UPSTREAM_TIMEOUT: '10' } })
  try {
    await use(gw)
  } finally {
    await gw.stop()
  }
}

describe('a slow upstream outlives the server idle timeout', () => {
  test.concurrent('non-stream: the first byte after 2.5 s still arrives', () =>
    withGateway(async (gw) => {
      gw.mock.reply({ kind: 'delay', ms: 2500, reply: { kind: 'echo' } })
      const response = await gw.chat(HELLO)
      expect(response.status).toBe(200)
      expect((await response.json()) as object).toHaveProperty('choices')
    }))

  test.concurrent('stream: 2.5 s of silence mid-stream, heartbeat off, still completes', () =>
    withGateway(async (gw) => {
      const frames = fixtureEvents('anthropic/text.sse').map(sseFrame)
      gw.mock.reply({ kind: 'chunks', chunks: [frames.slice(0, 4).join(''), frames.slice(4).join('')], delayMs: 2500 })
      const text = await (await gw.chat({ ...HELLO, stream: true })).text()
      expect(sseData(text).at(-1)).toBe('[DONE]')
      expect(text).toContain('"finish_reason":"stop"')
    }))
})
