import { extname, join } from 'node:path'
import { createMockUpstream } from './mock-upstream/mock-upstream.ts'

/**
 * `bun run demo`: the gateway for real (the launcher and its workers) in front of the built-in
 * mock upstream, with the demo client key sk-demo1, so a curl gets an answer with no account.
 */
const DEMO_KEY = 'sk-demo1'
const UPSTREAM_KEY = 'demo-upstream-key'
const port = process.env.PORT || '5000'
const mock = createMockUpstream({ apiKey: UPSTREAM_KEY })

// The launcher beside this file, in the same form: src/main.ts, or dist/main.js in the container.
const gateway = Bun.spawn([process.execPath, join(import.meta.dir, `main${extname(import.meta.path)}`)], {
  env: { ...process.env, UPSTREAM_API_URL: mock.url, UPSTREAM_API_KEY: UPSTREAM_KEY, ALLOWED_API_KEYS: DEMO_KEY, PORT: port },
  stdio: ['ignore', 'inherit', 'inherit'],
  onExit(_proc, code) {
    mock.stop()
    process.exit(code ?? 1)
  },
})
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.kill(gateway.pid, signal))

const base = `http://127.0.0.1:${port}`
const healthy = async () => {
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return true
    await Bun.sleep(100)
  }
  return false
}
const body = (stream: boolean) =>
  JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hello!' }], ...(stream ? { stream: true } : {}) })
const responsesBody = JSON.stringify({ model: 'claude-sonnet-4-6', input: 'Hello!' })
process.stdout.write(
  (await healthy())
    ? `
Demo gateway on ${base} (mock upstream on ${mock.url}, client key ${DEMO_KEY}). Try:

  curl ${base}/v1/chat/completions -H 'Authorization: Bearer ${DEMO_KEY}' -H 'Content-Type: application/json' -d '${body(false)}'

  curl -N ${base}/v1/chat/completions -H 'Authorization: Bearer ${DEMO_KEY}' -H 'Content-Type: application/json' -d '${body(true)}'

  curl ${base}/v1/responses -H 'Authorization: Bearer ${DEMO_KEY}' -H 'Content-Type: application/json' -d '${responsesBody}'

Ctrl-C stops it.
`
    : `\nThe gateway did not answer on ${base} within 10 s (see its log above; PORT=… picks another port).\n`,
)
