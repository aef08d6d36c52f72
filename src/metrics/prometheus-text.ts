import { LATENCY_BUCKETS, type Histogram, type MetricsSnapshot } from './metrics-registry.ts'

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const labels = (names: readonly string[], values: readonly string[]) => names.map((name, i) => `${name}="${escape(values[i] ?? '')}"`).join(',')

const sumCounters = (all: readonly Record<string, number>[]) => {
  const total: Record<string, number> = {}
  for (const counters of all) for (const [key, value] of Object.entries(counters)) total[key] = (total[key] ?? 0) + value
  return total
}

const sumHistograms = (all: readonly Histogram[]): Histogram => ({
  buckets: LATENCY_BUCKETS.map((_, i) => all.reduce((total, h) => total + (h.buckets[i] ?? 0), 0)),
  sum: all.reduce((total, h) => total + h.sum, 0),
  count: all.reduce((total, h) => total + h.count, 0),
})

const histogramLines = (name: string, help: string, histogram: Histogram) => [
  `# HELP ${name} ${help}`,
  `# TYPE ${name} histogram`,
  ...LATENCY_BUCKETS.map((le, i) => `${name}_bucket{le="${le}"} ${histogram.buckets[i]}`),
  `${name}_bucket{le="+Inf"} ${histogram.count}`,
  `${name}_sum ${histogram.sum}`,
  `${name}_count ${histogram.count}`,
]

/** A labelled counter summed over the workers; its keys are JSON arrays of the label values. */
const labelledCounter = (name: string, help: string, labelNames: readonly string[], all: readonly Record<string, number>[]) => [
  `# HELP ${name} ${help}`,
  `# TYPE ${name} counter`,
  ...Object.entries(sumCounters(all)).map(([key, value]) => `${name}{${labels(labelNames, JSON.parse(key))}} ${value}`),
]

const single = (name: string, help: string, type: 'counter' | 'gauge', value: number) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`]

/** The workers' snapshots, summed, in the Prometheus text exposition format (version 0.0.4). */
export const toPrometheusText = (snapshots: readonly MetricsSnapshot[]): string => {
  const sum = (read: (s: MetricsSnapshot) => number) => snapshots.reduce((total, s) => total + read(s), 0)
  return [
    ...labelledCounter('gateway_requests_total', 'Requests answered, by route, status and model asked.', ['route', 'status', 'model'], snapshots.map((s) => s.requests)),
    ...labelledCounter('gateway_upstream_errors_total', 'Upstream failures, by error type and code.', ['type', 'code'], snapshots.map((s) => s.upstreamErrors)),
    ...single('gateway_upstream_retries_total', 'Upstream attempts beyond the first.', 'counter', sum((s) => s.retries)),
    ...labelledCounter('gateway_key_requests_total', 'Requests answered, by client key name (or key id for ALLOWED_API_KEYS).', ['key'], snapshots.map((s) => s.keyRequests)),
    ...labelledCounter('gateway_key_tokens_total', 'Tokens the upstream reported, by client key name and kind (prompt, completion).', ['key', 'kind'], snapshots.map((s) => s.keyTokens)),
    ...labelledCounter('gateway_limit_refusals_total', 'Requests refused by a per-key limit, by key name and limit.', ['key', 'limit'], snapshots.map((s) => s.limitRefusals)),
    ...single('gateway_limit_store_failures_total', 'Limit store calls that failed or timed out (LIMITS_FAIL_MODE decides what follows).', 'counter', sum((s) => s.limitStoreFailures)),
    ...single('gateway_streams_open', 'Streams in flight.', 'gauge', sum((s) => s.streamsOpen)),
    ...single('gateway_workers', 'Workers that answered this scrape.', 'gauge', snapshots.length),
    ...histogramLines('gateway_request_duration_seconds', 'Time from request to the last byte, for requests that reached the upstream.', sumHistograms(snapshots.map((s) => s.latency))),
    ...histogramLines('gateway_time_to_first_byte_seconds', 'Time from request to the first byte of the answer.', sumHistograms(snapshots.map((s) => s.ttfb))),
    '',
  ].join('\n')
}
