// Prints the results as plain-text tables and writes them, with the machine, as JSON.

import { mkdirSync } from 'node:fs'
import type { CellResult } from './cell.ts'
import type { Check } from './checks.ts'
import { peakMiB, perStreamKiB, type StreamsMemory } from './memory-test.ts'
import type { TargetNames } from './target-plans.ts'

export interface RunResult {
  startedAt: string
  quick: boolean
  machine: Record<string, unknown>
  settings: Record<string, unknown>
  /** Targets that were not measured, with the reason. */
  skipped: Record<string, string>
  cells: CellResult[]
  /** 1,000 open streams. */
  memory: StreamsMemory
  /** 10,000 open streams (a full run only). */
  manyStreams: StreamsMemory
  checks: Check[]
}

// On a quiet machine the kernel's loopback work stays around 0.1 core; more is someone else.
const DISTURBED_CORES = 0.3

/** Text columns (the first `textColumns`) align left, numbers right. */
function table(header: string[], rows: string[][], textColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

const num = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits))
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : (a / b).toFixed(2))

function cellTable(cells: CellResult[], bare: string): string {
  const rows = cells.map((c) => {
    const floor = cells.find((b) => b.target === bare && b.mode === c.mode && b.concurrency === c.concurrency)
    // Non-stream: the probe times whole answers; stream: the first body chunk (TTFB).
    const probeP50 = c.mode === 'stream' ? c.probe.firstByteP50Ms : c.probe.completeP50Ms
    const probeP99 = c.mode === 'stream' ? c.probe.firstByteP99Ms : c.probe.completeP99Ms
    const probeP999 = c.mode === 'stream' ? c.probe.firstByteP999Ms : c.probe.completeP999Ms
    const floorP50 = floor && (c.mode === 'stream' ? floor.probe.firstByteP50Ms : floor.probe.completeP50Ms)
    const errors = c.load.errors + c.load.non2xx + c.probe.failed
    return [
      c.mode,
      String(c.concurrency),
      c.target,
      num(c.load.requestsPerSecond),
      num(c.load.latencyP50Ms),
      num(c.load.latencyP99Ms),
      num(probeP50, 2),
      num(probeP99, 2),
      num(probeP999, 2),
      num(c.cpuPer1k.target, 3),
      num(c.loadGeneratorCorePercent),
      // Per-process CPU is counted in 10 ms ticks, so a quiet machine can come out a little below 0.
      num(Math.max(0, c.otherCores), 2),
      num(c.peakRssMiB),
      String(errors),
      c.target === bare ? '' : ratio(c.load.requestsPerSecond, floor?.load.requestsPerSecond),
      c.target === bare ? '' : ratio(probeP50, floorP50),
    ]
  })
  return table(
    [
      ...['mode', 'c', 'target', 'req/s', 'p50 ms', 'p99 ms', 'probe p50', 'probe p99', 'probe p99.9'],
      ...['cpu s/1k', 'client %', 'other cores', 'peak MiB', 'errors', '÷bare req/s', '÷bare probe p50'],
    ],
    rows,
    3,
  )
}

function memoryTable({ memory }: StreamsMemory, bare: string): string {
  const rows = Object.entries(memory).map(([target, m]) => {
    const processes = m.idleByProcessMiB.length > 1 ? ` (${m.idleByProcessMiB.map((x) => num(x)).join(' + ')})` : ''
    return [
      target,
      String(m.streams),
      num(m.idleMiB) + processes,
      m.rounds.map((r) => num(r.peakMiB)).join(' / '),
      m.rounds.map((r) => num(r.afterMiB)).join(' → '),
      m.rounds.map((r) => r.upstreamPeakOpen).join('/'),
      m.rounds.map((r) => r.failed).join('/'),
      m.rounds.map((r) => num(r.seconds, 1)).join('/'),
      num(perStreamKiB(m)),
      target === bare || !memory[bare] ? '' : ratio(peakMiB(m), peakMiB(memory[bare])),
    ]
  })
  return table(
    ['target', 'streams', 'idle MiB', 'peak per round', 'after each round', 'open upstream', 'failed', 'seconds', 'KiB/stream', '÷bare peak'],
    rows,
    1,
  )
}

function memorySection(title: string, streams: StreamsMemory, bare: string): string | undefined {
  const failed = Object.entries(streams.failed).map(([target, why]) => `\nBROKE OFF ${target}: ${why}`)
  if (Object.keys(streams.memory).length === 0 && failed.length === 0) return undefined
  const note = streams.note ? `\nNOTE: ${streams.note}.` : ''
  return `\n${title} (MiB; open upstream = streams the upstream held at once)${note}\n\n${memoryTable(streams, bare)}${failed.join('')}`
}

/** Non-stream c=64 with a limited key against the unlimited gateway of the same run (issue 14). */
function limitCostLines(cells: CellResult[], names: TargetNames, skipped: Record<string, string>): string {
  const rps = (target: string) => cells.find((c) => c.target === target && c.mode === 'non-stream' && c.concurrency === 64)?.load.requestsPerSecond
  const unlimited = rps(names.gateway)
  return [
    [names.limited, 'counters in the gateway'],
    [names.limitedRedis, 'counters in Redis'],
  ]
    .map(([target, label]) => {
      const limited = rps(target!)
      if (limited === undefined || unlimited === undefined) return `  ${label}: not measured${skipped[target!] ? `: ${skipped[target!]}` : ''}`
      return `  ${label}: ${ratio(limited, unlimited)} × unlimited (${num(limited)} vs ${num(unlimited)} req/s)`
    })
    .join('\n')
}

function checkLines(checks: Check[]): string {
  const mark = (p: boolean | undefined) => (p === undefined ? 'SKIP' : p ? 'PASS' : 'FAIL')
  return checks.map((c) => `  ${mark(c.pass)}  ${c.name}: ${c.measured}`).join('\n')
}

export function printReport(result: RunResult, names: TargetNames): void {
  const bare = names.bare
  console.log(`\nThroughput and latency (${result.quick ? 'quick' : 'full'} run, ${result.startedAt})`)
  console.log('p50/p99: autocannon, whole ms. probe: custom client, non-stream = whole answer, stream = first byte (TTFB).')
  console.log("cpu s/1k: CPU seconds of the target's process tree per 1,000 answers. client %: load generator, of one core.")
  console.log(`other cores: busy with neither target, upstream nor client (kernel, other programs); above ${DISTURBED_CORES} a cell is disturbed.\n`)
  console.log(cellTable(result.cells, bare))
  const disturbed = result.cells.filter((c) => c.otherCores > DISTURBED_CORES)
  if (disturbed.length > 0) {
    console.log(`\nWARNING: ${disturbed.length} cells shared the machine with other work (other cores > ${DISTURBED_CORES}); their ratios are less reliable.`)
  }
  const memory = [
    memorySection('Memory with many slow streams open at once, in rounds', result.memory, bare),
    memorySection(`Memory with ${result.manyStreams.wanted.toLocaleString('en')} streams open at once, in rounds`, result.manyStreams, bare),
  ]
  for (const section of memory) if (section) console.log(section)
  console.log(`\nCost of limits, non-stream c=64, ${names.gateway} with one limited key:\n${limitCostLines(result.cells, names, result.skipped)}`)
  for (const [target, why] of Object.entries(result.skipped)) console.log(`\nNOT MEASURED ${target}: ${why}`)
  console.log(`\nTargets (gateway = WORKERS=1 unless named; bare measured in this run):\n${checkLines(result.checks)}`)
}

export async function writeResult(result: RunResult, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true })
  const file = `${dir}/${result.startedAt.replaceAll(':', '-')}.json`
  await Bun.write(file, JSON.stringify(result, null, 2))
  return file
}
