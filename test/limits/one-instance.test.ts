import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createMockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { spawnBun } from '../support/processes.ts'
import { chatBody, startChildGateway } from '../support/reliability-gateway.ts'
import { UPSTREAM_KEY } from '../support/test-gateway.ts'

const KEY = 'sk-instance-key-0004'
const mock = createMockUpstream({ apiKey: UPSTREAM_KEY })
afterAll(() => mock.stop())

test('one instance with WORKERS=2: a 10 rpm key gets exactly 10 answers out of 30 concurrent requests', async () => {
  const gateway = await startChildGateway(mock.url, {
    WORKERS: '2',
    LOG_LEVEL: 'info',
    CLIENT_KEYS_JSON: JSON.stringify([{ name: 'shared', key: KEY, rpm: 10 }]),
  })
  try {
    await gateway.launcher.waitFor(/"listening"[\s\S]*"listening"/)
    // A fresh connection per request, so the kernel spreads them over both workers' sockets.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        fetch(`${gateway.base}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', connection: 'close' },
          body: chatBody(`r${i}`),
        }),
      ),
    )
    const statuses = answers.map((answer) => answer.status)
    expect(statuses.filter((status) => status === 200)).toHaveLength(10)
    expect(statuses.filter((status) => status === 429)).toHaveLength(20)
    expect(mock.requests).toHaveLength(10)
  } finally {
    await gateway.stop()
  }
}, 20_000)

/** A variable as the launcher handed it to a worker. */
const workerEnv = (workerPid: number, name: string) =>
  readFileSync(`/proc/${workerPid}/environ`, 'utf8')
    .split('\0')
    .find((entry) => entry.startsWith(`${name}=`))
    ?.slice(name.length + 1)

test("without LIMITS_DB_PATH the counters file is the launch's own: temporary, without fsync, gone after exit", async () => {
  const gateway = await startChildGateway(mock.url, { CLIENT_KEYS_JSON: JSON.stringify([{ name: 'scratch', key: KEY, rpm: 10 }]) })
  let path: string | undefined
  try {
    path = workerEnv(gateway.workerPid, 'LIMITS_DB_PATH')
    expect(path).toStartWith(join(tmpdir(), 'gateway-limits-'))
    expect(existsSync(path as string)).toBe(true)
    expect(statSync(dirname(path as string)).mode & 0o777).toBe(0o700)
    expect(workerEnv(gateway.workerPid, 'LIMITS_DB_SYNC')).toBe('off')
  } finally {
    await gateway.stop()
  }
  expect(existsSync(dirname(path as string))).toBe(false)
}, 20_000)

test("an operator's LIMITS_DB_PATH keeps its fsync", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'operator-limits-'))
  const gateway = await startChildGateway(mock.url, {
    CLIENT_KEYS_JSON: JSON.stringify([{ name: 'kept', key: KEY, rpm: 10 }]),
    LIMITS_DB_PATH: join(dir, 'limits.sqlite'),
  })
  try {
    expect(workerEnv(gateway.workerPid, 'LIMITS_DB_PATH')).toBe(join(dir, 'limits.sqlite'))
    expect(workerEnv(gateway.workerPid, 'LIMITS_DB_SYNC')).toBeUndefined()
  } finally {
    await gateway.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}, 20_000)

test.each([
  [
    { CLIENT_KEYS_JSON: '[{"name":"a","key":"sk-secret-value","rpm":0}]' },
    'configuration error: CLIENT_KEYS_JSON: entry 0 ("a"), rpm: expected integer to be greater or equal to 1',
  ],
  [
    { CLIENT_KEYS_JSON: JSON.stringify([{ name: 'a', key: 'sk-secret-value', rpm: 1 }]), LIMITS_DB_PATH: '/dev/null/limits.sqlite' },
    'configuration error: LIMITS_DB_PATH: cannot open /dev/null/limits.sqlite',
  ],
])('the launcher stops on %o with one line and exit code 2', async (env, line) => {
  const launcher = spawnBun('src/main.ts', { UPSTREAM_API_URL: mock.url, UPSTREAM_API_KEY: UPSTREAM_KEY, HOST: '127.0.0.1', PORT: '0', WORKERS: '1', ...env })
  expect(await launcher.exited).toBe(2)
  const output = launcher.output().trim()
  expect(output).toStartWith(line)
  expect(output.split('\n')).toHaveLength(1)
  expect(output).not.toContain('sk-secret-value')
})
