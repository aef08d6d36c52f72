// Memory under many open streams: a target relays `streams` slow streams at once, in rounds.
// Peak RSS shows the cost of an open stream; RSS after the last round, compared with the round
// before, shows whether anything is kept per stream once it has ended. The first round is not the
// reference: the heap and allocator grow to their working size in it, which is not a leak.

import { fdLimitPrefix } from './fd-limit.ts'
import type { RequestSpec } from './load.ts'
import { processTree, rssMiB, sampleRss } from './measure-proc.ts'
import type { Service } from './targets.ts'

export interface MemoryRound {
  peakMiB: number
  /** The lowest RSS in the 2 s after the round ended. */
  afterMiB: number
  ok: number
  failed: number
  firstError?: string
  seconds: number
  /** Streams the upstream had open at once: below `streams`, the target queued some. */
  upstreamPeakOpen: number
}

export interface MemoryResult {
  streams: number
  idleMiB: number
  /** Idle RSS of each process of the target (the gateway: launcher first, then its workers). */
  idleByProcessMiB: number[]
  rounds: MemoryRound[]
}

// How long "after" is watched once a round has ended. Its lowest reading counts: whether the
// garbage collector and the allocator have returned the round's memory within a fixed 1 s was
// chance (a later round read 40 % above its neighbours, then fell back).
const SETTLE_MS = 2_000
const SETTLE_SAMPLE_MS = 100

async function lowestRssMiB(root: number): Promise<number> {
  let lowest = rssMiB(processTree(root))
  for (let waited = 0; waited < SETTLE_MS; waited += SETTLE_SAMPLE_MS) {
    await Bun.sleep(SETTLE_SAMPLE_MS)
    lowest = Math.min(lowest, rssMiB(processTree(root)))
  }
  return lowest
}

async function openStreams(spec: RequestSpec, count: number) {
  const child = Bun.spawn([...fdLimitPrefix, process.execPath, `${import.meta.dir}/open-streams.ts`, JSON.stringify({ ...spec, count })], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(count * 2) },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const out = await new Response(child.stdout).text()
  await child.exited
  return JSON.parse(out) as { ok: number; failed: number; firstError?: string; seconds: number }
}

async function upstreamPeakOpen(upstream: Service, reset: boolean): Promise<number> {
  const stats = (await (await fetch(`${upstream.url}/stats${reset ? '?reset=1' : ''}`)).json()) as { peakOpen: number }
  return stats.peakOpen
}

/** Memory with many streams open at once, in rounds, for each target measured. */
export interface StreamsMemory {
  /** The streams the scenario asks for; the rounds may hold fewer where the open-file limit is lower. */
  wanted: number
  memory: Record<string, MemoryResult>
  /** Targets whose test broke off (did not start, or the client could not report), with why. */
  failed: Record<string, string>
  /** Why fewer streams than wanted were opened, if so. */
  note?: string
  /** Why the scenario was not run at all, if so. */
  notRun?: string
}

export async function memoryTest(target: Service, slowUpstream: Service, spec: RequestSpec, streams: number, rounds: number): Promise<MemoryResult> {
  const processes = processTree(target.pid)
  const idleMiB = rssMiB(processes)
  const idleByProcessMiB = processes.map((pid) => rssMiB([pid]))
  const result: MemoryRound[] = []
  for (let i = 0; i < rounds; i++) {
    await upstreamPeakOpen(slowUpstream, true)
    const sampler = sampleRss(target.pid)
    const client = await openStreams(spec, streams)
    const peakMiB = sampler.stop()
    const peakOpen = await upstreamPeakOpen(slowUpstream, false)
    result.push({ ...client, peakMiB, afterMiB: await lowestRssMiB(target.pid), upstreamPeakOpen: peakOpen })
  }
  return { streams, idleMiB, idleByProcessMiB, rounds: result }
}

/** The highest RSS of any round. */
export function peakMiB(m: MemoryResult): number {
  return Math.max(...m.rounds.map((r) => r.peakMiB))
}

/** What one more open stream costs, apart from what the target holds idle. */
export function perStreamKiB(m: MemoryResult): number {
  return ((peakMiB(m) - m.idleMiB) * 1024) / m.streams
}

/**
 * Why the rounds did not hold all streams open at once, if they did not: a target that failed or
 * queued some held fewer, and its peak would flatter it.
 */
export function shortfall(m: MemoryResult): string | undefined {
  const short = m.rounds.find((r) => r.failed > 0 || r.upstreamPeakOpen < m.streams)
  return short && `${short.failed} failed, ${short.upstreamPeakOpen}/${m.streams} open upstream at once`
}
