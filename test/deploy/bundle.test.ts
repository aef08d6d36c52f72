import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildGateway } from '../../bench/targets.ts'
import { createMockUpstream, type MockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { childPids, freePort, spawnBun, stopAll } from '../support/processes.ts'
import { CLIENT_KEY, HELLO, launcherEnv, sseData, UPSTREAM_KEY } from '../support/test-gateway.ts'

/**
 * The bundle the container runs (`bun run build`, dist/): built by the package's own build script
 * into a directory of this test (as the benchmark builds it), then started as the image starts it.
 */
let out: string
let mock: MockUpstream

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'gateway-bundle-'))
  expect(await buildGateway(out)).toBe(join(out, 'main.js'))
  mock = createMockUpstream({ apiKey: UPSTREAM_KEY })
})
afterAll(() => {
  mock?.stop()
  rmSync(out, { recursive: true, force: true })
})
afterEach(stopAll)

const env = (overrides: Record<string, string> = {}) => launcherEnv(mock.url, overrides)

const post = (port: number, path: string, body: unknown) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

describe('the bundle (dist/main.js, as the container runs it)', () => {
  test('checks its configuration in its bundled child: a bad variable is one line, exit 2', async () => {
    const gateway = spawnBun(join(out, 'main.js'), env({ MAX_TOKENS_HARD_LIMIT: 'lots' }))
    expect(await gateway.exited).toBe(2)
    expect(gateway.output().trim()).toBe('configuration error: MAX_TOKENS_HARD_LIMIT: expected a whole number from 1 to 9007199254740991, got "lots"')
  })

  test('runs its bundled workers and metrics: JSON, a stream, a Responses answer, /metrics; exits 0 on SIGTERM', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()]
    const gateway = spawnBun(join(out, 'main.js'), env({ PORT: String(port), METRICS_ENABLED: 'true', METRICS_PORT: String(metricsPort) }))
    await gateway.waitFor(/"msg":"listening"/)
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200)
    const json = await post(port, '/v1/chat/completions', HELLO)
    expect(json.status).toBe(200)
    expect(((await json.json()) as { object: string }).object).toBe('chat.completion')
    const stream = await post(port, '/v1/chat/completions', { ...HELLO, stream: true })
    expect(sseData(await stream.text()).at(-1)).toBe('[DONE]')
    const responses = await post(port, '/v1/responses', { model: 'claude-sonnet-4-5', input: 'Hello!', store: false })
    expect(((await responses.json()) as { status: string }).status).toBe('completed')
    // The launcher runs the bundle's worker, not the TypeScript in src/.
    const workers = await childPids(gateway.proc.pid)
    expect(workers).toHaveLength(1)
    const cmdline = (await Bun.file(`/proc/${workers[0]}/cmdline`).text()).split('\0')
    expect(cmdline).toContain(join(out, 'server.js'))
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toContain('gateway_')
    gateway.proc.kill('SIGTERM')
    expect(await gateway.exited).toBe(0)
    expect(gateway.output()).toContain('"msg":"request"')
  })
})
