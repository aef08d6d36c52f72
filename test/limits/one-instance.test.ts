import { afterAll, expect, test } from 'bun:test'
import { createMockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { chatBody, startChildGateway } from '../support/reliability-gateway.ts'
import { UPSTREAM_KEY } from '../support/test-gateway.ts'

const KEY = 'sk-instance-key-0004'
const mock = createMockUpstream({ apiKey: UPSTREAM_KEY })
afterAll(() => mock.stop())

test('one instance with WORKERS=2: a 10 rpm key gets exactly 10 answers out of 30 concurrent requests', async () => {
  const gateway = await startChildGateway(mock.url, { WORKERS: '2', LOG_LEVEL: 'info', CLIENT_KEYS_JSON: JSON.stringify([{ name: 'shared', key: KEY, rpm: 10 }]) })
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
