// A small client that times each request precisely, which autocannon cannot: the moment the
// first body chunk arrives (TTFB of a stream) and the moment the body is complete.

import type { RequestSpec } from './load.ts'
import { percentile } from './stats.ts'

export interface ProbeResult {
  requests: number
  failed: number
  firstByteP50Ms: number
  firstByteP99Ms: number
  /** Meaningful only with ~1,000 requests or more: below that it is the slowest one or two. */
  firstByteP999Ms: number
  completeP50Ms: number
  completeP99Ms: number
  completeP999Ms: number
}

const REQUEST_DEADLINE_MS = 30_000
// A probe of a broken target ends after this, however many requests it has left.
const PROBE_DEADLINE_MS = 30_000

async function timedRequest(spec: RequestSpec): Promise<{ firstByte: number; complete: number }> {
  const start = performance.now()
  const res = await fetch(spec.url, {
    method: 'POST',
    body: spec.body,
    headers: spec.headers,
    signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
  })
  if (res.status !== 200 || !res.body) throw new Error(`status ${res.status}`)
  const reader = res.body.getReader()
  let firstByte = NaN
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (Number.isNaN(firstByte) && value.length > 0) firstByte = performance.now() - start
  }
  return { firstByte, complete: performance.now() - start }
}

/**
 * `total` requests from `concurrency` loops, each loop waiting for its previous answer, after
 * `warmup` unrecorded ones (fresh connections and cold code paths would dominate otherwise).
 */
export async function probe(spec: RequestSpec, concurrency: number, total: number, warmup = 0): Promise<ProbeResult> {
  for (let i = 0; i < warmup; i++) await timedRequest(spec).catch(() => undefined)
  const firstBytes: number[] = []
  const completes: number[] = []
  let next = 0
  let failed = 0
  const deadline = Date.now() + PROBE_DEADLINE_MS
  const loop = async () => {
    while (next < total && Date.now() < deadline) {
      next++
      try {
        const t = await timedRequest(spec)
        firstBytes.push(t.firstByte)
        completes.push(t.complete)
      } catch {
        failed++
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  return {
    requests: next,
    failed,
    firstByteP50Ms: percentile(firstBytes, 50),
    firstByteP99Ms: percentile(firstBytes, 99),
    firstByteP999Ms: percentile(firstBytes, 99.9),
    completeP50Ms: percentile(completes, 50),
    completeP99Ms: percentile(completes, 99),
    completeP999Ms: percentile(completes, 99.9),
  }
}
