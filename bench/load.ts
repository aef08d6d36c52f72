// Throughput and latency under load, from autocannon run inside this process.
// autocannon records latency in whole milliseconds; sub-millisecond differences come from probe.ts.

import autocannon from 'autocannon'

export interface LoadResult {
  requestsPerSecond: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** Responses of any status, used to spread CPU time over requests. */
  completed: number
  non2xx: number
  errors: number
  durationS: number
}

export interface RequestSpec {
  url: string
  body: string
  headers: Record<string, string>
}

export async function load(spec: RequestSpec, connections: number, durationS: number): Promise<LoadResult> {
  const r = await autocannon({
    url: spec.url,
    method: 'POST',
    body: spec.body,
    headers: spec.headers,
    connections,
    duration: durationS,
    // A stalled stream must not hold a cell hostage; 30 s is far above any healthy answer here.
    timeout: 30,
  })
  const ok = r['2xx']
  return {
    requestsPerSecond: ok / r.duration,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    completed: ok + r.non2xx,
    non2xx: r.non2xx,
    errors: r.errors,
    durationS: r.duration,
  }
}
