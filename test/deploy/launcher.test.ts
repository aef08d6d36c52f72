import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createServer } from 'node:net'
import { createMockUpstream, type MockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { fixtureEvents } from '../support/fixtures.ts'
import { childPids, freePort, spawnBun, stopAll } from '../support/processes.ts'
import { CLIENT_KEY, HELLO, launcherEnv, sseData, sseJson, UPSTREAM_KEY } from '../support/test-gateway.ts'

let mock: MockUpstream
beforeAll(() => {
  mock = createMockUpstream({ apiKey: UPSTREAM_KEY })
})
afterAll(async () => {
  await stopAll()
  mock.stop()
})

const env = (overrides: Record<string, string> = {}) => launcherEnv(mock.url, overrides)

// A fresh connection each time: a pooled one to a killed worker fails in the client, not the gateway.
const chat = (port: number, body: unknown) =>
  fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    keepalive: false,
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

// Each launcher case has its own port and processes and no scripted replies, so they run side by
// side; the slow ones wait on the launcher's own clock (a worker's restart, the crash-loop verdict).
describe('the launcher (bun run start)', () => {
  test.concurrent('a bad variable stops start-up with one line naming it, exit 2, no stack', async () => {
    const gateway = spawnBun('src/main.ts', env({ MAX_TOKENS_HARD_LIMIT: 'lots' }))
    expect(await gateway.exited).toBe(2)
    expect(gateway.output().trim()).toBe('configuration error: MAX_TOKENS_HARD_LIMIT: expected a whole number from 1 to 9007199254740991, got "lots"')
    const missing = spawnBun('src/main.ts', { ...env(), UPSTREAM_API_KEY: '' })
    expect(await missing.exited).toBe(2)
    expect(missing.output()).toContain('UPSTREAM_API_KEY: required')
    const header = spawnBun('src/main.ts', env({ UPSTREAM_EXTRA_HEADERS_JSON: '{"x-a":"secret\\r\\nvalue"}' }))
    expect(await header.exited).toBe(2)
    expect(header.output()).toContain('UPSTREAM_EXTRA_HEADERS_JSON: header x-a')
    expect(header.output()).not.toContain('secret')
  })

  test.concurrent('serves on PORT, answers /health, and exits 0 on SIGTERM', async () => {
    const port = await freePort()
    const gateway = spawnBun('src/main.ts', env({ PORT: String(port) }))
    await gateway.waitFor(/"msg":"listening"/)
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200)
    expect((await chat(port, HELLO)).status).toBe(200)
    gateway.proc.kill('SIGTERM')
    expect(await gateway.exited).toBe(0)
    expect(gateway.output()).toContain('"msg":"request"')
  })

  test.concurrent('WORKERS=2: two processes share the port; a killed worker is replaced and requests keep succeeding', async () => {
    const port = await freePort()
    const gateway = spawnBun('src/main.ts', env({ PORT: String(port), WORKERS: '2' }))
    await gateway.waitFor(/listening[\s\S]*listening/)
    const workers = await childPids(gateway.proc.pid)
    expect(workers).toHaveLength(2)
    process.kill(workers[0] as number, 'SIGKILL')
    // Connections the kernel queued on the dying worker's socket at that instant are reset; the
    // rest of the traffic moves to the other worker at once.
    let ok = 0
    let total = 0
    const until = performance.now() + 2000
    while (performance.now() < until) {
      total++
      if ((await chat(port, HELLO).catch(() => undefined))?.status === 200) ok++
    }
    expect(total).toBeGreaterThan(100)
    expect(ok / total).toBeGreaterThanOrEqual(0.99)
    await gateway.waitFor(/listening[\s\S]*listening[\s\S]*listening/, 4000)
    const after = await childPids(gateway.proc.pid)
    expect(after).toHaveLength(2)
    expect(after).not.toContain(workers[0])
    gateway.proc.kill('SIGTERM')
    expect(await gateway.exited).toBe(0)
  })

  test.concurrent('a worker that cannot start makes the launcher exit non-zero (crash loop)', async () => {
    const blocker = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      const gateway = spawnBun('src/main.ts', env({ PORT: String(port), WORKERS: '2' }))
      expect(await Promise.race([gateway.exited, Bun.sleep(9000).then(() => -1)])).toBe(1)
      expect(gateway.output()).toContain('workers keep crashing')
      expect(gateway.output()).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`)
      expect(gateway.output()).not.toContain('    at ')
    } finally {
      blocker.close()
    }
  }, 10_000)
})

describe('drain on SIGTERM', () => {
  // One at a time: they script the shared mock's replies.
  afterEach(async () => {
    await stopAll()
    mock.reset()
  })
  test('streams that end within the grace period complete, then the worker exits 0', async () => {
    const port = await freePort()
    const gateway = spawnBun('src/main.ts', env({ PORT: String(port), SHUTDOWN_GRACE_SECONDS: '3' }))
    await gateway.waitFor(/"msg":"listening"/)
    mock.reply({ kind: 'events', events: fixtureEvents('anthropic/text.sse'), delayMs: 40 })
    const response = await chat(port, { ...HELLO, stream: true })
    const body = response.text()
    await Bun.sleep(100)
    gateway.proc.kill('SIGTERM')
    const text = await body
    expect(sseJson(text).filter((c) => c.choices?.[0]?.finish_reason)).toHaveLength(1)
    expect(sseData(text).at(-1)).toBe('[DONE]')
    expect(await gateway.exited).toBe(0)
  })

  test('streams longer than the grace period get a shutting_down chunk and [DONE]; exit 0 soon after', async () => {
    const port = await freePort()
    const gateway = spawnBun('src/main.ts', env({ PORT: String(port), SHUTDOWN_GRACE_SECONDS: '1' }))
    await gateway.waitFor(/"msg":"listening"/)
    mock.reply({ kind: 'events', events: fixtureEvents('anthropic/text.sse'), delayMs: 500 })
    const response = await chat(port, { ...HELLO, stream: true })
    const body = response.text()
    await Bun.sleep(200)
    const signalled = performance.now()
    gateway.proc.kill('SIGTERM')
    const text = await body
    expect(sseJson(text).at(-1).error.code).toBe('shutting_down')
    expect(sseData(text).at(-1)).toBe('[DONE]')
    expect(await gateway.exited).toBe(0)
    expect(performance.now() - signalled).toBeLessThan(2500)
  })
})

describe('the demo (npm run demo)', () => {
  test('runs the gateway in front of the mock, prints ready curl lines that work, and stops on SIGTERM', async () => {
    const port = await freePort()
    const demo = spawnBun('src/demo.ts', { PORT: String(port), WORKERS: '1', HOST: '127.0.0.1' })
    const [line] = await demo.waitFor(/curl http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions .*/)
    const body = line.match(/-d '(.*)'$/)?.[1] ?? ''
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-demo1', 'content-type': 'application/json' },
      body,
    })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toContain('Hello!')
    const [responsesLine] = await demo.waitFor(/curl http:\/\/127\.0\.0\.1:\d+\/v1\/responses .*/)
    const responses = await fetch(`http://127.0.0.1:${port}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-demo1', 'content-type': 'application/json' },
      body: responsesLine.match(/-d '(.*)'$/)?.[1] ?? '',
    })
    expect(responses.status).toBe(200)
    expect(((await responses.json()) as { output_text?: string; output: { content: { text: string }[] }[] }).output[0]?.content[0]?.text).toContain('Hello!')
    demo.proc.kill('SIGTERM')
    expect(await demo.exited).toBe(0)
  })
})
