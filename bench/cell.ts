// One cell of the benchmark: one target, one request kind, one concurrency. autocannon gives
// throughput; /proc gives the CPU the target spent on it and its peak memory; the probe then
// times requests precisely at the same concurrency.

import { type LoadResult, load, type RequestSpec } from './load.ts'
import { cpuSeconds, machineBusySeconds, processTree, sampleRss } from './measure-proc.ts'
import { type ProbeResult, probe } from './probe.ts'
import type { Service } from './targets.ts'

export type Mode = 'non-stream' | 'stream'

export interface CellResult {
  target: string
  mode: Mode
  concurrency: number
  load: LoadResult
  probe: ProbeResult
  /** CPU seconds per 1,000 autocannon answers: the target's tree, the upstream, this process (the load generator). */
  cpuPer1k: { target: number; upstream: number; loadGenerator: number }
  /** Load generator CPU as a share of one core: near 100 % the client, not the target, is the limit. */
  loadGeneratorCorePercent: number
  /**
   * Cores busy with anything but the target, upstream and load generator: the kernel's share of
   * loopback traffic, plus whatever else runs on the machine. Well above ~0.3 the cell is disturbed.
   */
  otherCores: number
  peakRssMiB: number
}

export interface CellPlan {
  durationS: number
  probeRequests: number
  probeWarmup: number
}

function cpuOf(target: Service, upstream: Service) {
  return {
    target: cpuSeconds(processTree(target.pid)),
    upstream: cpuSeconds([upstream.pid]),
    loadGenerator: cpuSeconds([process.pid]),
    machine: machineBusySeconds(),
  }
}

export async function runCell(target: Service, upstream: Service, spec: RequestSpec, mode: Mode, concurrency: number, plan: CellPlan): Promise<CellResult> {
  const sampler = sampleRss(target.pid)
  const before = cpuOf(target, upstream)
  const loadResult = await load(spec, concurrency, plan.durationS)
  const after = cpuOf(target, upstream)
  const probeResult = await probe(spec, concurrency, plan.probeRequests, plan.probeWarmup)
  const peakRssMiB = sampler.stop()
  const used = (k: keyof typeof before) => after[k] - before[k]
  const per1k = (k: keyof typeof before) => (used(k) / Math.max(1, loadResult.completed)) * 1000
  const ours = used('target') + used('upstream') + used('loadGenerator')
  return {
    target: target.name,
    mode,
    concurrency,
    load: loadResult,
    probe: probeResult,
    cpuPer1k: { target: per1k('target'), upstream: per1k('upstream'), loadGenerator: per1k('loadGenerator') },
    loadGeneratorCorePercent: (used('loadGenerator') / loadResult.durationS) * 100,
    otherCores: (used('machine') - ours) / loadResult.durationS,
    peakRssMiB,
  }
}
