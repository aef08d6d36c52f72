// Memory under many open streams: a target relays `streams` slow streams at once, twice.
// Peak RSS shows the cost of an open stream; RSS after the second round, compared with the
// first, shows whether anything is kept per stream once it has ended.

import { processTree, rssMiB, sampleRss } from './measure-proc.ts'
import type { RequestSpec } from './load.ts'
import type { Service } from './targets.ts'

export interface MemoryRound {
  peakMiB: number
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

// Time for the target to release what the streams held before "after" is read.
const SETTLE_MS = 1_000

async function openStreams(spec: RequestSpec, count: number) {
  const child = Bun.spawn(
    [process.execPath, `${import.meta.dir}/open-streams.ts`, JSON.stringify({ ...spec, count })],
    { env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(count * 2) }, stdout: 'pipe', stderr: 'inherit' },
  )
  const out = await new Response(child.stdout).text()
  await child.exited
  return JSON.parse(out) as { ok: number; failed: number; firstError?: string; seconds: number }
}

async function upstreamPeakOpen(upstream: Service, reset: boolean): Promise<number> {
  const stats = (await (await fetch(`${upstream.url}/stats${reset ? '?reset=1' : ''}`)).json()) as { peakOpen: number }
  return stats.peakOpen
}

export async function memoryTest(
  target: Service,
  slowUpstream: Service,
  spec: RequestSpec,
  streams: number,
  rounds = 2,
): Promise<MemoryResult> {
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
    await Bun.sleep(SETTLE_MS)
    result.push({ ...client, peakMiB, afterMiB: rssMiB(processTree(target.pid)), upstreamPeakOpen: peakOpen })
  }
  return { streams, idleMiB, idleByProcessMiB, rounds: result }
}
