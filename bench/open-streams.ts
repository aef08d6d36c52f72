// Opens N streams at once and reads each to its end; prints a JSON summary on stdout.
// A child process of its own, because Bun's fetch holds only 256 requests at once unless
// BUN_CONFIG_MAX_HTTP_REQUESTS is set before it starts (memory-test.ts sets it).
// Usage: bun open-streams.ts '<{"url","body","headers","count"}>'

export {} // a module, so that top-level await is allowed

const { url, body, headers, count } = JSON.parse(process.argv[2]!) as {
  url: string
  body: string
  headers: Record<string, string>
  count: number
}

const DEADLINE_MS = 60_000

async function readStream(): Promise<void> {
  const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(DEADLINE_MS) })
  if (res.status !== 200) throw new Error(`status ${res.status}`)
  await res.arrayBuffer()
}

const started = performance.now()
const outcomes = await Promise.allSettled(Array.from({ length: count }, readStream))
const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
console.log(
  JSON.stringify({
    ok: count - failures.length,
    failed: failures.length,
    firstError: failures[0] ? String(failures[0].reason) : undefined,
    seconds: (performance.now() - started) / 1000,
  }),
)
