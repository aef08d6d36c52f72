// The gateway's performance targets (issue 15, and the scenario checks of issues 12 and 14), each
// judged against the bare pass-through measured in the same run: absolute numbers depend on the
// machine, ratios to the floor much less so. Where a floor proxy (floor-proxy.ts) was measured too,
// its figure is given beside the gateway's: how close to bare anything that reads what it relays
// can get here.

import type { CellResult, Mode } from './cell.ts'
import { peakMiB, type StreamsMemory } from './memory-test.ts'
import type { TargetNames } from './target-plans.ts'
import {
  addedLatencyVerdict,
  f,
  known,
  noGrowthVerdict,
  peakVerdict,
  perStreamVerdict,
  ratioVerdict,
  scalingVerdict,
  streamThroughputVerdict,
  type Verdict,
  withFloors,
} from './verdicts.ts'

export interface Check extends Verdict {
  name: string
}

export interface CheckInput {
  cells: CellResult[]
  /** 1,000 open streams. */
  memory: StreamsMemory
  /** 10,000 open streams: a full run only. */
  manyStreams: StreamsMemory
  /** Targets not measured, with why. */
  skipped: Record<string, string>
  streamEvents: number
  cores: number
}

const LIMITS = {
  streamToBare: 0.45,
  streamToMapper: 1.2,
  nonStreamToBare: 0.8,
  addedP99Ms: 0.1,
  addedFirstByteP99Ms: 0.3,
  cpuPerStreamMs: 0.25,
  perStreamKiB: 48,
  peakToBare: 2,
  responsesToChatCpu: 1.2,
  workersScaling: 1.6,
}
// Growth from one memory round to the next that still counts as "did not grow":
// RSS moves by a few MiB with allocator and GC timing alone.
const ROUND_GROWTH_TOLERANCE = 1.1
// The concurrency at which issue 15 sets its throughput and CPU targets.
const LOADED = 64

function cell(cells: CellResult[], target: string, mode: Mode, concurrency: number) {
  return cells.find((c) => c.target === target && c.mode === mode && c.concurrency === concurrency)
}

export function evaluateChecks(input: CheckInput, names: TargetNames): Check[] {
  const { cells, memory, manyStreams, skipped, streamEvents, cores } = input
  const { gateway, gateway2, bare, floorMapper, floorTransform, responses, responsesStored } = names
  const at = (t: string, m: Mode, c: number) => cell(cells, t, m, c)
  const rps = (t: string, m: Mode) => at(t, m, LOADED)?.load.requestsPerSecond
  const rpsRatio = (t: string, m: Mode) => (rps(t, m) ?? NaN) / (rps(bare, m) ?? NaN)
  const cpuMs = (t: string) => at(t, 'stream', LOADED)?.cpuPer1k.target
  const peakRatio = (t: string) => {
    const [target, floor] = [memory.memory[t], memory.memory[bare]]
    return target && floor ? peakMiB(target) / peakMiB(floor) : undefined
  }
  /** Why a check could not be judged: the first of its targets that was skipped, if any. */
  const skippedOf = (...targets: string[]) => {
    const target = targets.find((t) => skipped[t])
    return target ? `${target}: ${skipped[target]}` : undefined
  }
  const judged = (name: string, verdict: Verdict | undefined, whyNot: string | undefined): Check =>
    verdict ? { name, ...verdict } : { name, measured: `not measured${whyNot ? `: ${whyNot}` : ''}`, pass: undefined }
  const growthName = (target: string, m: StreamsMemory) =>
    `${target}: RSS after the last round of ${f(m.wanted)} streams ≤ after the one before (+${Math.round((ROUND_GROWTH_TOLERANCE - 1) * 100)} %)`

  const streamRatio = streamThroughputVerdict(
    [rps(gateway, 'stream'), rps(bare, 'stream'), rps(floorMapper, 'stream')],
    LIMITS.streamToBare,
    LIMITS.streamToMapper,
  )
  const [responsesCpu, chatCpu, storedCpu] = [cpuMs(responses), cpuMs(gateway), cpuMs(responsesStored)]
  const perEventUs = (ms: number) => ((ms * 1000) / streamEvents).toFixed(3)
  const probeOf = (t: string, m: Mode) => at(t, m, 1)?.probe
  const [nonStreamProbe, bareNonStreamProbe] = [probeOf(gateway, 'non-stream'), probeOf(bare, 'non-stream')]
  const [streamProbe, bareStreamProbe] = [probeOf(gateway, 'stream'), probeOf(bare, 'stream')]
  const gatewayCpu = cpuMs(gateway)
  const [gatewayMemory, bareMemory] = [memory.memory[gateway], memory.memory[bare]]
  const nonStreamRatio = ratioVerdict(rps(gateway, 'non-stream'), rps(bare, 'non-stream'), LIMITS.nonStreamToBare)
  const scaling = ratioVerdict(rps(gateway2, 'non-stream'), rps(gateway, 'non-stream'), LIMITS.workersScaling)
  /** Why a memory check of `target` could not be judged. */
  const memoryWhyNot = (m: StreamsMemory, target: string) => m.notRun ?? (m.failed[target] && `${target}: ${m.failed[target]}`) ?? skippedOf(target)

  return [
    judged(
      `stream req/s at c=${LOADED} ≥ ${LIMITS.streamToBare} × bare and ≥ ${LIMITS.streamToMapper} × floor-mapper`,
      streamRatio &&
        withFloors(streamRatio, [
          ['transform ÷ bare', rpsRatio(floorTransform, 'stream')],
          ['mapper ÷ bare', rpsRatio(floorMapper, 'stream')],
        ]),
      skippedOf(gateway, bare, floorMapper),
    ),
    judged(
      `non-stream req/s at c=${LOADED} ≥ ${LIMITS.nonStreamToBare} × bare`,
      nonStreamRatio && withFloors(nonStreamRatio, [['mapper', rpsRatio(floorMapper, 'non-stream')]]),
      skippedOf(gateway, bare),
    ),
    judged(
      `added non-stream latency at c=1, p99 ≤ ${LIMITS.addedP99Ms * 1000} µs over bare`,
      nonStreamProbe && bareNonStreamProbe && addedLatencyVerdict(nonStreamProbe, bareNonStreamProbe, 'complete', LIMITS.addedP99Ms),
      skippedOf(gateway, bare),
    ),
    judged(
      `stream time to first byte at c=1, p99 ≤ ${LIMITS.addedFirstByteP99Ms * 1000} µs over bare`,
      streamProbe && bareStreamProbe && addedLatencyVerdict(streamProbe, bareStreamProbe, 'firstByte', LIMITS.addedFirstByteP99Ms),
      skippedOf(gateway, bare),
    ),
    judged(
      `CPU per ${f(streamEvents)}-event stream answer at c=${LOADED} ≤ ${LIMITS.cpuPerStreamMs} ms`,
      known(gatewayCpu)
        ? withFloors(
            { measured: `${gatewayCpu.toFixed(3)} ms`, pass: gatewayCpu <= LIMITS.cpuPerStreamMs },
            [
              ['bare', cpuMs(bare)],
              ['mapper', cpuMs(floorMapper)],
            ],
            3,
          )
        : undefined,
      skippedOf(gateway),
    ),
    judged(
      `memory per open stream with ${f(memory.wanted)} open ≤ ${LIMITS.perStreamKiB} KiB`,
      gatewayMemory && perStreamVerdict(gatewayMemory, bareMemory, memory.note, LIMITS.perStreamKiB),
      memoryWhyNot(memory, gateway),
    ),
    judged(
      `peak RSS with ${f(memory.wanted)} open streams, WORKERS=1 with its launcher, ≤ ${LIMITS.peakToBare} × bare`,
      gatewayMemory &&
        bareMemory &&
        withFloors(peakVerdict(gatewayMemory, bareMemory, LIMITS.peakToBare), [
          ['transform', peakRatio(floorTransform)],
          ['mapper', peakRatio(floorMapper)],
        ]),
      memoryWhyNot(memory, gateway) ?? memoryWhyNot(memory, bare),
    ),
    ...[gateway, gateway2].map((t) => judged(growthName(t, memory), noGrowthVerdict(memory.memory[t], ROUND_GROWTH_TOLERANCE), memoryWhyNot(memory, t))),
    judged(
      `memory per open stream with ${f(manyStreams.wanted)} open ≤ ${LIMITS.perStreamKiB} KiB, nothing lost or queued`,
      manyStreams.memory[gateway] && perStreamVerdict(manyStreams.memory[gateway], manyStreams.memory[bare], manyStreams.note, LIMITS.perStreamKiB),
      memoryWhyNot(manyStreams, gateway),
    ),
    judged(growthName(gateway, manyStreams), noGrowthVerdict(manyStreams.memory[gateway], ROUND_GROWTH_TOLERANCE), memoryWhyNot(manyStreams, gateway)),
    judged(
      `/v1/responses stream (store: false, as Codex sends it) CPU per event at c=${LOADED} ≤ ${LIMITS.responsesToChatCpu} × chat completions`,
      known(responsesCpu) && known(chatCpu)
        ? {
            measured:
              `${(responsesCpu / chatCpu).toFixed(2)} (${perEventUs(responsesCpu)} vs ${perEventUs(chatCpu)} µs per event)` +
              (known(storedCpu) ? `; stored (store: true, one store write per answer) ${(storedCpu / chatCpu).toFixed(2)}` : ''),
            pass: responsesCpu / chatCpu <= LIMITS.responsesToChatCpu,
          }
        : undefined,
      skippedOf(responses, gateway),
    ),
    judged(
      `WORKERS=2 ÷ WORKERS=1 non-stream req/s at c=${LOADED} ≥ ${LIMITS.workersScaling}`,
      scaling && scalingVerdict(scaling, cores),
      skippedOf(gateway2, gateway),
    ),
  ]
}
