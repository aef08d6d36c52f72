// The gateway's performance targets, each judged against the bare pass-through measured in the
// same run (absolute numbers depend on the machine; ratios to the floor much less so). Where a
// floor proxy (floor-proxy.ts) was measured too, its ratio is given beside the gateway's: how close
// to bare anything that reads what it relays can get here.

import type { CellResult, Mode } from './cell.ts'
import type { MemoryResult } from './memory-test.ts'

export interface Check {
  name: string
  measured: string
  /** undefined: could not be judged (target skipped or cell missing). */
  pass: boolean | undefined
}

// Growth from one memory round to the next that still counts as "did not grow":
// RSS moves by a few MiB with allocator and GC timing alone.
const ROUND_GROWTH_TOLERANCE = 1.1

function cell(cells: CellResult[], target: string, mode: Mode, concurrency: number) {
  return cells.find((c) => c.target === target && c.mode === mode && c.concurrency === concurrency)
}

function ratioCheck(name: string, gateway: number | undefined, bare: number | undefined, min: number): Check {
  if (gateway === undefined || bare === undefined) return { name, measured: 'not measured', pass: undefined }
  const ratio = gateway / bare
  return { name, measured: `${ratio.toFixed(2)} (${gateway.toFixed(0)} vs ${bare.toFixed(0)})`, pass: ratio >= min }
}

function addedCheck(name: string, gateway: number | undefined, bare: number | undefined, maxAdded: number): Check {
  if (gateway === undefined || bare === undefined) return { name, measured: 'not measured', pass: undefined }
  const added = gateway - bare
  return {
    name,
    measured: `${added >= 0 ? '+' : ''}${added.toFixed(3)} ms (${gateway.toFixed(3)} vs ${bare.toFixed(3)})`,
    pass: added <= maxAdded,
  }
}

/** Appends what the floors reached on the same measure, e.g. "; floors: transform 0.72, mapper 0.43". */
function withFloors(check: Check, floors: [label: string, ratio: number | undefined][]): Check {
  const known = floors.filter((f): f is [string, number] => f[1] !== undefined && Number.isFinite(f[1]))
  if (known.length === 0 || check.pass === undefined) return check
  return { ...check, measured: `${check.measured}; floors: ${known.map(([label, r]) => `${label} ${r.toFixed(2)}`).join(', ')}` }
}

/** The highest RSS (shared file pages counted once, see rssMiB) of any round. */
function peakRss(m: MemoryResult) {
  return Math.max(...m.rounds.map((r) => r.peakMiB))
}

function memoryCheck(gateway: MemoryResult | undefined, bare: MemoryResult | undefined): Check {
  const streams = (gateway ?? bare)?.streams.toLocaleString('en') ?? 'many'
  const name = `peak RSS with ${streams} open streams ≤ 1.5 × bare (all held open at once)`
  if (!gateway || !bare) return { name, measured: 'not measured', pass: undefined }
  const ratio = peakRss(gateway) / peakRss(bare)
  const measured = `${ratio.toFixed(2)} (${peakRss(gateway).toFixed(0)} vs ${peakRss(bare).toFixed(0)} MiB)`
  // A target that queued or failed streams held fewer open: its peak would flatter it (and a
  // bare that did so would make the ratio unfair the other way).
  for (const [target, memory] of [['gateway', gateway], ['bare', bare]] as const) {
    const short = memory.rounds.find((r) => r.failed > 0 || r.upstreamPeakOpen < memory.streams)
    if (!short) continue
    const why = `${target}: ${short.failed} failed, ${short.upstreamPeakOpen}/${memory.streams} open upstream at once`
    return { name, measured: `${measured}; invalid: ${why}`, pass: false }
  }
  return { name, measured, pass: ratio <= 1.5 }
}

function noGrowthCheck(target: string, gateway: MemoryResult | undefined): Check {
  const name = `${target}: RSS after the last stream round ≤ after the one before (+${Math.round((ROUND_GROWTH_TOLERANCE - 1) * 100)} %)`
  const rounds = gateway?.rounds ?? []
  const [before, last] = rounds.slice(-2)
  if (!before || !last || rounds.length < 2) return { name, measured: 'not measured', pass: undefined }
  return {
    name,
    measured: `after each round ${rounds.map((r) => r.afterMiB.toFixed(0)).join(' → ')} MiB (peaks ${rounds.map((r) => r.peakMiB.toFixed(0)).join(', ')})`,
    pass: last.afterMiB <= before.afterMiB * ROUND_GROWTH_TOLERANCE,
  }
}

/**
 * Two workers can only double throughput with two cores to themselves; the upstream and the load
 * generator run on this machine too and want about a core between them.
 */
function scalingCheck(check: Check, cores: number): Check {
  const needed = 4
  if (cores >= needed || check.pass === undefined) return check
  return { ...check, measured: `${check.measured}; only ${cores} cores here, shared with upstream and client: needs ≥ ${needed} to mean much` }
}

/** `gateway` and `gateway2` name the WORKERS=1 and WORKERS=2 targets; `bare` the floor. */
export function evaluateChecks(
  cells: CellResult[],
  memory: Record<string, MemoryResult>,
  names: { bare: string; floorTransform: string; floorMapper: string; gateway: string; gateway2: string },
  cores: number,
): Check[] {
  const rps = (t: string, m: Mode) => cell(cells, t, m, 64)?.load.requestsPerSecond
  const seq = (t: string, m: Mode) => cell(cells, t, m, 1)?.probe
  const rpsRatio = (t: string, m: Mode) => (rps(t, m) ?? NaN) / (rps(names.bare, m) ?? NaN)
  const peakRatio = (t: string) => {
    const [target, bare] = [memory[t], memory[names.bare]]
    return target && bare ? peakRss(target) / peakRss(bare) : undefined
  }
  return [
    withFloors(
      ratioCheck('non-stream req/s at c=64 ≥ 0.8 × bare', rps(names.gateway, 'non-stream'), rps(names.bare, 'non-stream'), 0.8),
      [['mapper', rpsRatio(names.floorMapper, 'non-stream')]],
    ),
    withFloors(ratioCheck('stream req/s at c=64 ≥ 0.7 × bare', rps(names.gateway, 'stream'), rps(names.bare, 'stream'), 0.7), [
      ['transform', rpsRatio(names.floorTransform, 'stream')],
      ['mapper', rpsRatio(names.floorMapper, 'stream')],
    ]),
    addedCheck(
      'added non-stream p50 latency at c=1 ≤ 0.3 ms',
      seq(names.gateway, 'non-stream')?.completeP50Ms,
      seq(names.bare, 'non-stream')?.completeP50Ms,
      0.3,
    ),
    addedCheck(
      'stream TTFB p50 at c=1 ≤ bare + 1 ms',
      seq(names.gateway, 'stream')?.firstByteP50Ms,
      seq(names.bare, 'stream')?.firstByteP50Ms,
      1,
    ),
    withFloors(memoryCheck(memory[names.gateway], memory[names.bare]), [
      ['transform', peakRatio(names.floorTransform)],
      ['mapper', peakRatio(names.floorMapper)],
    ]),
    noGrowthCheck(names.gateway, memory[names.gateway]),
    noGrowthCheck(names.gateway2, memory[names.gateway2]),
    scalingCheck(
      ratioCheck('WORKERS=2 ÷ WORKERS=1 non-stream req/s at c=64 ≥ 1.6', rps(names.gateway2, 'non-stream'), rps(names.gateway, 'non-stream'), 1.6),
      cores,
    ),
  ]
}
