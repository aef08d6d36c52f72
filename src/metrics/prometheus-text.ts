import { type Histogram, LATENCY_BUCKETS, type MetricsSnapshot } from './metrics-registry.ts'

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const labels = (names: readonly string[], values: readonly string[]) => names.map((name, i) => `${name}="${escapeLabel(values[i] ?? '')}"`).join(',')

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

/** One histogram's series; `label` (e.g. `upstream="a"`) goes on each of them. */
const histogramSeries = (name: string, histogram: Histogram, label = '') => {
  const prefix = label ? `${label},` : ''
  const braces = label ? `{${label}}` : ''
  return [
    ...LATENCY_BUCKETS.map((le, i) => `${name}_bucket{${prefix}le="${le}"} ${histogram.buckets[i]}`),
    `${name}_bucket{${prefix}le="+Inf"} ${histogram.count}`,
    `${name}_sum${braces} ${histogram.sum}`,
    `${name}_count${braces} ${histogram.count}`,
  ]
}

const histogramLines = (name: string, help: string, histogram: Histogram) => [
  `# HELP ${name} ${help}`,
  `# TYPE ${name} histogram`,
  ...histogramSeries(name, histogram),
]

/** A labelled counter or gauge summed over the workers; its keys are JSON arrays of the label values. */
const labelled = (name: string, help: string, labelNames: readonly string[], all: readonly Record<string, number>[], type: 'counter' | 'gauge' = 'counter') => [
  `# HELP ${name} ${help}`,
  `# TYPE ${name} ${type}`,
  ...Object.entries(sumCounters(all)).map(([key, value]) => `${name}{${labels(labelNames, JSON.parse(key))}} ${value}`),
]

const single = (name: string, help: string, type: 'counter' | 'gauge', value: number) => [
  `# HELP ${name} ${help}`,
  `# TYPE ${name} ${type}`,
  `${name} ${value}`,
]

/** The pool's series: attempts by member and outcome, breaker states (workers in each), first-byte latency. */
const poolLines = (snapshots: readonly MetricsSnapshot[]) => {
  const pools = snapshots.flatMap((s) => (s.pool ? [s.pool] : []))
  const firstByte = new Map<string, Histogram[]>()
  for (const pool of pools) for (const [name, histogram] of Object.entries(pool.firstByte)) firstByte.set(name, [...(firstByte.get(name) ?? []), histogram])
  const name = 'gateway_upstream_first_byte_seconds'
  return [
    ...labelled(
      'gateway_upstream_attempts_total',
      'Upstream attempts, by pool member and outcome.',
      ['upstream', 'outcome'],
      pools.map((p) => p.attempts),
    ),
    ...labelled(
      'gateway_upstream_breaker',
      'Workers that see each pool member in each breaker state (closed, open, half_open).',
      ['upstream', 'state'],
      pools.map((p) => p.breakers),
      'gauge',
    ),
    `# HELP ${name} Time from an attempt's start to its answer's start (a stream's first event), by pool member.`,
    `# TYPE ${name} histogram`,
    ...[...firstByte].flatMap(([upstream, all]) => histogramSeries(name, sumHistograms(all), labels(['upstream'], [upstream]))),
  ]
}

/** The workers' snapshots, summed, in the Prometheus text exposition format (version 0.0.4). */
export const toPrometheusText = (snapshots: readonly MetricsSnapshot[]): string => {
  const sum = (read: (s: MetricsSnapshot) => number) => snapshots.reduce((total, s) => total + read(s), 0)
  return [
    ...labelled(
      'gateway_requests_total',
      'Requests answered, by route, status and model asked.',
      ['route', 'status', 'model'],
      snapshots.map((s) => s.requests),
    ),
    ...labelled(
      'gateway_upstream_errors_total',
      'Upstream failures, by error type and code.',
      ['type', 'code'],
      snapshots.map((s) => s.upstreamErrors),
    ),
    ...single(
      'gateway_upstream_retries_total',
      'Upstream attempts beyond the first.',
      'counter',
      sum((s) => s.retries),
    ),
    ...labelled(
      'gateway_tokens_total',
      'Tokens the upstream reported, by kind: input (not cached), cache_read, cache_write, output.',
      ['kind'],
      snapshots.map((s) => s.tokens),
    ),
    ...labelled(
      'gateway_key_requests_total',
      'Requests answered, by client key name (or key id for ALLOWED_API_KEYS).',
      ['key'],
      snapshots.map((s) => s.keyRequests),
    ),
    ...labelled(
      'gateway_key_tokens_total',
      'Tokens the upstream reported, by client key name and kind (prompt, completion).',
      ['key', 'kind'],
      snapshots.map((s) => s.keyTokens),
    ),
    ...labelled(
      'gateway_limit_refusals_total',
      'Requests refused by a per-key limit, by key name and limit.',
      ['key', 'limit'],
      snapshots.map((s) => s.limitRefusals),
    ),
    ...single(
      'gateway_limit_store_failures_total',
      'Limit store calls that failed or timed out (LIMITS_FAIL_MODE decides what follows).',
      'counter',
      sum((s) => s.limitStoreFailures),
    ),
    ...single(
      'gateway_streams_open',
      'Streams in flight.',
      'gauge',
      sum((s) => s.streamsOpen),
    ),
    ...single('gateway_workers', 'Workers that answered this scrape.', 'gauge', snapshots.length),
    ...histogramLines(
      'gateway_request_duration_seconds',
      'Time from request to the last byte, for requests that reached the upstream.',
      sumHistograms(snapshots.map((s) => s.latency)),
    ),
    ...histogramLines('gateway_time_to_first_byte_seconds', 'Time from request to the first byte of the answer.', sumHistograms(snapshots.map((s) => s.ttfb))),
    ...poolLines(snapshots),
    '',
  ].join('\n')
}
