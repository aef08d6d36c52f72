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

/** The workers' snapshots, summed, in the Prometheus text exposition format (version 0.0.4). */
export const toPrometheusText = (snapshots: readonly MetricsSnapshot[]): string => {
  const requests = sumCounters(snapshots.map((s) => s.requests))
  const errors = sumCounters(snapshots.map((s) => s.upstreamErrors))
  const keyRequests = sumCounters(snapshots.map((s) => s.keyRequests))
  const keyTokens = sumCounters(snapshots.map((s) => s.keyTokens))
  const refusals = sumCounters(snapshots.map((s) => s.limitRefusals))
  return [
    '# HELP gateway_requests_total Requests answered, by route, status and model asked.',
    '# TYPE gateway_requests_total counter',
    ...Object.entries(requests).map(([key, value]) => `gateway_requests_total{${labels(['route', 'status', 'model'], JSON.parse(key))}} ${value}`),
    '# HELP gateway_upstream_errors_total Upstream failures, by error type and code.',
    '# TYPE gateway_upstream_errors_total counter',
    ...Object.entries(errors).map(([key, value]) => `gateway_upstream_errors_total{${labels(['type', 'code'], JSON.parse(key))}} ${value}`),
    '# HELP gateway_upstream_retries_total Upstream attempts beyond the first.',
    '# TYPE gateway_upstream_retries_total counter',
    `gateway_upstream_retries_total ${snapshots.reduce((total, s) => total + s.retries, 0)}`,
    '# HELP gateway_key_requests_total Requests answered, by client key name (or key id for ALLOWED_API_KEYS).',
    '# TYPE gateway_key_requests_total counter',
    ...Object.entries(keyRequests).map(([key, value]) => `gateway_key_requests_total{${labels(['key'], [key])}} ${value}`),
    '# HELP gateway_key_tokens_total Tokens the upstream reported, by client key name and kind (prompt, completion).',
    '# TYPE gateway_key_tokens_total counter',
    ...Object.entries(keyTokens).map(([key, value]) => `gateway_key_tokens_total{${labels(['key', 'kind'], JSON.parse(key))}} ${value}`),
    '# HELP gateway_limit_refusals_total Requests refused by a per-key limit, by key name and limit.',
    '# TYPE gateway_limit_refusals_total counter',
    ...Object.entries(refusals).map(([key, value]) => `gateway_limit_refusals_total{${labels(['key', 'limit'], JSON.parse(key))}} ${value}`),
    '# HELP gateway_limit_store_failures_total Limit store calls that failed or timed out (LIMITS_FAIL_MODE decides what follows).',
    '# TYPE gateway_limit_store_failures_total counter',
    `gateway_limit_store_failures_total ${snapshots.reduce((total, s) => total + s.limitStoreFailures, 0)}`,
    '# HELP gateway_streams_open Streams in flight.',
    '# TYPE gateway_streams_open gauge',
    `gateway_streams_open ${snapshots.reduce((total, s) => total + s.streamsOpen, 0)}`,
    '# HELP gateway_workers Workers that answered this scrape.',
    '# TYPE gateway_workers gauge',
    `gateway_workers ${snapshots.length}`,
    ...histogramLines('gateway_request_duration_seconds', 'Time from request to the last byte, for requests that reached the upstream.', sumHistograms(snapshots.map((s) => s.latency))),
    ...histogramLines('gateway_time_to_first_byte_seconds', 'Time from request to the first byte of the answer.', sumHistograms(snapshots.map((s) => s.ttfb))),
    '',
  ].join('\n')
}
