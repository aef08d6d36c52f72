import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { AUTH, type InProcessGateway, report, startInProcessGateway } from '../support/reliability-gateway.ts'
import { httpRequest, rawClient, sseParts } from '../support/reliability-tcp.ts'
import { HELLO } from '../support/test-gateway.ts'

/**
 * The server's idle timeout (reliability doc §2): finite against slow bodies, switched off per
 * request once its body is read. The worker uses 30 s; here the same app listens with 2 s so the
 * cut shows within the test's bounds (Bun sweeps idle sockets every 4 s: cut within about 4 s).
 */

const IDLE_SECONDS = 2
const UPSTREAM_DELAY_MS = 5000

let gw: InProcessGateway
beforeAll(async () => {
  gw = await startInProcessGateway({ idleTimeout: IDLE_SECONDS, env: { UPSTREAM_TIMEOUT: '30' } })
})
afterAll(() => gw?.stop())

describe('the server idle timeout', () => {
  test('slow bodies (silent, 1 byte/s) are cut; a first upstream byte after 5 s (to-4, scaled) still arrives; /health unaffected', async () => {
    const body = JSON.stringify(HELLO)
    const head = httpRequest({ headers: { ...AUTH, 'content-length': String(body.length) } })
    const started = performance.now()

    const silent = await rawClient(gw.port)
    await silent.write(head + body.slice(0, 5))
    const trickle = await rawClient(gw.port)
    await trickle.write(head)
    const trickling = (async () => {
      for (let i = 0; i < 7 && !trickle.isClosed(); i++) {
        await trickle.write(body.charAt(i))
        await Bun.sleep(1000)
      }
    })()

    // to-4 scaled down: the upstream is silent for 5 s (> the 2 s idle timeout) before it answers.
    gw.mock.reply({ kind: 'delay', ms: UPSTREAM_DELAY_MS, reply: { kind: 'echo' } }, { kind: 'delay', ms: UPSTREAM_DELAY_MS, reply: { kind: 'echo' } })
    const slowAnswers = Promise.all(
      [false, true].map(async (stream) => {
        const response = await fetch(`${gw.base}/v1/chat/completions`, { method: 'POST', headers: AUTH, body: JSON.stringify({ ...HELLO, stream }) })
        return { stream, status: response.status, text: await response.text(), ms: performance.now() - started }
      }),
    )

    let healthFailures = 0
    for (let i = 0; i < 20; i++) {
      if ((await fetch(`${gw.base}/health`).catch(() => undefined))?.status !== 200) healthFailures++
      await Bun.sleep(100)
    }

    const cut = await Promise.all([silent.closed, trickle.closed].map((closed) => Promise.race([closed, Bun.sleep(7000).then(() => Number.NaN)])))
    await trickling
    const answers = await slowAnswers
    report('idle-timeout', {
      idle_timeout_s: IDLE_SECONDS,
      silent_body_cut_after_ms: Math.round((cut[0] ?? Number.NaN) - started),
      trickle_body_cut_after_ms: Math.round((cut[1] ?? Number.NaN) - started),
      slow_first_byte_answers: answers.map((a) => ({ stream: a.stream, status: a.status, ms: Math.round(a.ms) })),
    })
    silent.kill()
    trickle.kill()

    // Not kept: cut within the bound. Bun sweeps idle sockets every 4 s and counts a timeout in
    // those ticks, so a 2 s timeout fires at the first or second sweep: anywhere from a moment to
    // about 4 s after the last byte (seen: 0.5 to 3.7 s). There is no lower bound to test; that
    // the cut is a close, not an answer (a 413 or 400 at once), is checked below.
    for (const at of cut) expect(at - started).toBeLessThan(6500)
    expect(silent.response()).toBeUndefined()
    expect(trickle.response()).toBeUndefined()
    expect(healthFailures).toBe(0)
    for (const answer of answers) {
      expect(answer.status).toBe(200)
      expect(answer.ms).toBeGreaterThanOrEqual(UPSTREAM_DELAY_MS - 100)
    }
    const [json, stream] = answers
    expect(JSON.parse(json?.text ?? '{}').choices[0].finish_reason).toBe('stop')
    expect(sseParts(stream?.text ?? '').data.at(-1)).toBe('[DONE]')
  }, 10_000)
})
