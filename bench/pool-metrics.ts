// Reads the upstream pool's series from a /metrics scrape, and judges what a pool soak saw:
// breaker states sampled during the run, attempts by member and outcome at its end.

/** Label value → count, per pool member: breaker states (workers in each) or attempt outcomes. */
export type ByMember = Map<string, Record<string, number>>

const SERIES = /^(gateway_upstream_breaker|gateway_upstream_attempts_total)\{upstream="([^"]*)",(?:state|outcome)="([^"]*)"\} (\S+)$/

export function poolSeries(metricsText: string): { breakers: ByMember; attempts: ByMember } {
  const breakers: ByMember = new Map()
  const attempts: ByMember = new Map()
  for (const line of metricsText.split('\n')) {
    const [, name, member, label, value] = SERIES.exec(line) ?? []
    if (!name || member === undefined || label === undefined) continue
    const byMember = name === 'gateway_upstream_breaker' ? breakers : attempts
    const counts = byMember.get(member) ?? {}
    counts[label] = Number(value)
    byMember.set(member, counts)
  }
  return { breakers, attempts }
}

/** Per member, per breaker state: in how many samples at least one worker saw it so. */
export interface BreakerWatch {
  samples: number
  seen: ByMember
  /** Per member: samples in which some worker had it out (open or half_open). */
  out: Map<string, number>
}

export function emptyWatch(): BreakerWatch {
  return { samples: 0, seen: new Map(), out: new Map() }
}

export function addSample(watch: BreakerWatch, breakers: ByMember): void {
  watch.samples++
  for (const [member, states] of breakers) {
    const seen = watch.seen.get(member) ?? {}
    for (const [state, workers] of Object.entries(states)) if (workers > 0) seen[state] = (seen[state] ?? 0) + 1
    watch.seen.set(member, seen)
    if ((states.open ?? 0) + (states.half_open ?? 0) > 0) watch.out.set(member, (watch.out.get(member) ?? 0) + 1)
  }
}

// Outcomes that are the upstream's own failure; ok, client_error and cancelled are not.
const NOT_FAILED = new Set(['ok', 'client_error', 'cancelled'])
const sum = (counts: Record<string, number>, keep: (outcome: string) => boolean) =>
  Object.entries(counts).reduce((total, [outcome, n]) => total + (keep(outcome) ? n : 0), 0)
const listed = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key} ${n}`)
    .join(', ')

export interface PoolRoles {
  healthy: string
  failing: string
  refusing: string
}

/** Lines to print and whether every check passed, from the run's samples and the final scrape. */
export function judgePool(roles: PoolRoles, watch: BreakerWatch, final: { breakers: ByMember; attempts: ByMember }) {
  const lines = [`Pool: /metrics sampled ${watch.samples} times during the run`]
  for (const member of Object.values(roles)) {
    const seen = listed(watch.seen.get(member) ?? {}) || 'none'
    lines.push(`  ${member.padEnd(9)} out in ${watch.out.get(member) ?? 0} of ${watch.samples} samples; states seen (samples): ${seen}`)
    lines.push(`  ${''.padEnd(9)} at the end (workers): ${listed(final.breakers.get(member) ?? {}) || 'none'}`)
    lines.push(`  ${''.padEnd(9)} attempts: ${listed(final.attempts.get(member) ?? {}) || 'none'}`)
  }
  const attempts = (member: string) => final.attempts.get(member) ?? {}
  const failing = attempts(roles.failing)
  const failed = sum(failing, (outcome) => !NOT_FAILED.has(outcome))
  const checks: [boolean, string][] = [
    [Object.values(roles).every((member) => final.breakers.has(member)), 'every member has its breaker state in /metrics'],
    [(watch.out.get(roles.refusing) ?? 0) > 0, `${roles.refusing} seen out in ${watch.out.get(roles.refusing) ?? 0} of ${watch.samples} samples`],
    [
      (attempts(roles.refusing).unreachable ?? 0) > 0 && !attempts(roles.refusing).ok,
      `${roles.refusing}: ${attempts(roles.refusing).unreachable ?? 0} attempts unreachable, ${attempts(roles.refusing).ok ?? 0} answered`,
    ],
    [failed > 0 && (failing.ok ?? 0) > 0, `${roles.failing} attempts: ${failed} failed of ${sum(failing, () => true)}`],
    [(attempts(roles.healthy).ok ?? 0) > 0, `${roles.healthy} answered ${attempts(roles.healthy).ok ?? 0} attempts`],
  ]
  for (const [passed, what] of checks) lines.push(`  ${passed ? 'ok  ' : 'FAIL'} ${what}`)
  return { lines, passed: checks.every(([passed]) => passed) }
}
