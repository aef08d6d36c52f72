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

const histogramLines = (name: string, help: string, histogram: Histogram) => [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`, ...histogramSeries(name, histogram)]

const counterLines = (name: string, help: string, names: readonly string[], counters: Record<string, number>) => [
  `# HELP ${name} ${help}`,
  `# TYPE ${name} counter`,
  ...Object.entries(counters).map(([key, value]) => `${name}{${labels(names, JSON.parse(key))}} ${value}`),
]

/** The pool's series: attempts by member and outcome, breaker states (workers in each), first-byte latency. */
const poolLines = (snapshots: readonly MetricsSnapshot[]) => {
  const pools = snapshots.flatMap((s) => (s.pool ? [s.pool] : []))
  const firstByte = new Map<string, Histogram[]>()
  for (const pool of pools) for (const [name, histogram] of Object.entries(pool.firstByte)) firstByte.set(name, [...(firstByte.get(name) ?? []), histogram])
  const name = 'gateway_upstream_first_byte_seconds'
  return [
    ...counterLines('gateway_upstream_attempts_total', 'Upstream attempts, by pool member and outcome.', ['upstream', 'outcome'], sumCounters(pools.map((p) => p.attempts))),
    '# HELP gateway_upstream_breaker Workers that see each pool member in each breaker state (closed, open, half_open).',
    '# TYPE gateway_upstream_breaker gauge',
    ...Object.entries(sumCounters(pools.map((p) => p.breakers))).map(([key, value]) => `gateway_upstream_breaker{${labels(['upstream', 'state'], JSON.parse(key))}} ${value}`),
    `# HELP ${name} Time from an attempt's start to its answer's start (a stream's first event), by pool member.`,
    `# TYPE ${name} histogram`,
    ...[...firstByte].flatMap(([upstream, all]) => histogramSeries(name, sumHistograms(all), labels(['upstream'], [upstream]))),
  ]
}

/** The workers' snapshots, summed, in the Prometheus text exposition format (version 0.0.4). */
export const toPrometheusText = (snapshots: readonly MetricsSnapshot[]): string => {
  const requests = sumCounters(snapshots.map((s) => s.requests))
  const errors = sumCounters(snapshots.map((s) => s.upstreamErrors))
  return [
    ...counterLines('gateway_requests_total', 'Requests answered, by route, status and model asked.', ['route', 'status', 'model'], requests),
    ...counterLines('gateway_upstream_errors_total', 'Upstream failures, by error type and code.', ['type', 'code'], errors),
    '# HELP gateway_upstream_retries_total Upstream attempts beyond the first.',
    '# TYPE gateway_upstream_retries_total counter',
    `gateway_upstream_retries_total ${snapshots.reduce((total, s) => total + s.retries, 0)}`,
    '# HELP gateway_streams_open Streams in flight.',
    '# TYPE gateway_streams_open gauge',
    `gateway_streams_open ${snapshots.reduce((total, s) => total + s.streamsOpen, 0)}`,
    '# HELP gateway_workers Workers that answered this scrape.',
    '# TYPE gateway_workers gauge',
    `gateway_workers ${snapshots.length}`,
    ...histogramLines('gateway_request_duration_seconds', 'Time from request to the last byte, for requests that reached the upstream.', sumHistograms(snapshots.map((s) => s.latency))),
    ...histogramLines('gateway_time_to_first_byte_seconds', 'Time from request to the first byte of the answer.', sumHistograms(snapshots.map((s) => s.ttfb))),
    '# HELP gateway_tokens_total Tokens of chat completions, by kind: input (not cached), cache_read, cache_write, output.',
    '# TYPE gateway_tokens_total counter',
    ...Object.entries(sumCounters(snapshots.map((s) => s.tokens ?? {}))).map(([kind, value]) => `gateway_tokens_total{kind="${kind}"} ${value}`),
    ...poolLines(snapshots),
    '',
  ].join('\n')
}
