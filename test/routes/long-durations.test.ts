import { afterAll, beforeAll, expect, test } from 'bun:test'
import { HELLO, startGateway, type TestGateway } from '../support/test-gateway.ts'

// Every duration at its upper bound still makes valid timers: no request times out at once, no
// keep-alive goes out every millisecond (as UPSTREAM_TIMEOUT or SSE_HEARTBEAT_SECONDS=3000000 did).
let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway({
    env: { UPSTREAM_TIMEOUT: '86400', CLIENT_IDLE_TIMEOUT: '86400', SSE_HEARTBEAT_SECONDS: '3600', SHUTDOWN_GRACE_SECONDS: '86400' },
  })
})
afterAll(() => gw.stop())

test('at the bounds, a slow answer still arrives, with no keep-alive in it', async () => {
  for (const stream of [false, true]) {
    gw.mock.reply({ kind: 'delay', ms: 300, reply: { kind: 'echo' } })
    const response = await gw.chat({ ...HELLO, stream })
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).not.toContain('keep-alive')
    expect(text).not.toContain('"error"')
  }
})
