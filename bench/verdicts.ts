// How a measure is judged against its limit, and how the judgement reads: each verdict says what
// was measured (with what it was compared to) and whether it passed. checks.ts holds the limits.

import { type MemoryResult, peakMiB, perStreamKiB, shortfall } from './memory-test.ts'
import type { ProbeResult } from './probe.ts'

/** A check's judgement, before it is named; pass undefined: could not be judged. */
export interface Verdict {
  measured: string
  pass: boolean | undefined
}

export const f = (n: number, digits = 0) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const signed = (n: number, digits: number) => `${n >= 0 ? '+' : ''}${f(n, digits)}`
export const known = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n)

export function streamThroughputVerdict([gateway, bare, mapper]: (number | undefined)[], minToBare: number, minToMapper: number): Verdict | undefined {
  if (!known(gateway) || !known(bare) || !known(mapper)) return undefined
  return {
    measured: `${(gateway / bare).toFixed(2)} × bare, ${(gateway / mapper).toFixed(2)} × floor-mapper (${f(gateway)} vs ${f(bare)} and ${f(mapper)})`,
    pass: gateway / bare >= minToBare && gateway / mapper >= minToMapper,
  }
}

export function ratioVerdict(value: number | undefined, reference: number | undefined, min: number): Verdict | undefined {
  if (!known(value) || !known(reference)) return undefined
  const ratio = value / reference
  return { measured: `${ratio.toFixed(2)} (${f(value)} vs ${f(reference)})`, pass: ratio >= min }
}

/** Appends what the floors reached on the same measure, e.g. "; floors: transform 0.72, mapper 0.43". */
export function withFloors(verdict: Verdict, floors: [label: string, value: number | undefined][], digits = 2): Verdict {
  const measured = floors.filter((floor): floor is [string, number] => known(floor[1]))
  if (measured.length === 0) return verdict
  return { ...verdict, measured: `${verdict.measured}; floors: ${measured.map(([label, v]) => `${label} ${v.toFixed(digits)}`).join(', ')}` }
}

const latency = (p: ProbeResult, part: 'complete' | 'firstByte') =>
  part === 'complete' ? [p.completeP50Ms, p.completeP99Ms, p.completeP999Ms] : [p.firstByteP50Ms, p.firstByteP99Ms, p.firstByteP999Ms]

/** Judged on p99 added over bare; p50 and p99.9 are reported beside it. */
export function addedLatencyVerdict(gateway: ProbeResult, bare: ProbeResult, part: 'complete' | 'firstByte', maxAddedMs: number): Verdict {
  const [g50, g99, g999] = latency(gateway, part) as [number, number, number]
  const [b50, b99, b999] = latency(bare, part) as [number, number, number]
  const us = (ms: number) => signed(ms * 1000, 0)
  const measured =
    `p99 ${us(g99 - b99)} µs (${g99.toFixed(3)} vs ${b99.toFixed(3)} ms); p50 ${us(g50 - b50)} µs, ` +
    `p99.9 ${us(g999 - b999)} µs (${g999.toFixed(3)} vs ${b999.toFixed(3)} ms); ${f(gateway.requests)} requests each`
  const failed = gateway.failed + bare.failed
  if (failed > 0) return { measured: `${measured}; invalid: ${failed} probe requests failed`, pass: false }
  return { measured, pass: g99 - b99 <= maxAddedMs }
}

export function perStreamVerdict(gateway: MemoryResult, bare: MemoryResult | undefined, note: string | undefined, maxKiB: number): Verdict {
  const kib = perStreamKiB(gateway)
  const measured =
    `${f(kib)} KiB (peak ${f(peakMiB(gateway))}, idle ${f(gateway.idleMiB)} MiB, ${f(gateway.streams)} streams)` +
    (bare ? `; bare ${f(perStreamKiB(bare))} KiB` : '') +
    (note ? `; ${note}` : '')
  const short = shortfall(gateway)
  if (short) return { measured: `${measured}; invalid: ${short}`, pass: false }
  return { measured, pass: kib <= maxKiB }
}

export function peakVerdict(gateway: MemoryResult, bare: MemoryResult, maxToBare: number): Verdict {
  const ratio = peakMiB(gateway) / peakMiB(bare)
  const measured = `${ratio.toFixed(2)} (${f(peakMiB(gateway))} vs ${f(peakMiB(bare))} MiB)`
  // A bare that queued or failed streams would make the ratio unfair the other way.
  for (const [target, memory] of [
    ['gateway', gateway],
    ['bare', bare],
  ] as const) {
    const short = shortfall(memory)
    if (short) return { measured: `${measured}; invalid: ${target}: ${short}`, pass: false }
  }
  return { measured, pass: ratio <= maxToBare }
}

export function noGrowthVerdict(memory: MemoryResult | undefined, tolerance: number): Verdict | undefined {
  const [before, last] = memory?.rounds.slice(-2) ?? []
  if (!memory || !before || !last) return undefined
  return {
    measured: `after each round ${memory.rounds.map((r) => f(r.afterMiB)).join(' → ')} MiB (peaks ${memory.rounds.map((r) => f(r.peakMiB)).join(', ')})`,
    pass: last.afterMiB <= before.afterMiB * tolerance,
  }
}

/**
 * Two workers can only double throughput with two cores to themselves; the upstream and the load
 * generator run on this machine too and want about a core between them.
 */
export function scalingVerdict(verdict: Verdict, cores: number): Verdict {
  const needed = 4
  if (cores >= needed) return verdict
  return { ...verdict, measured: `${verdict.measured}; only ${cores} cores here, shared with upstream and client: needs ≥ ${needed} to mean much` }
}
