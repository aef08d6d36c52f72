// The benchmark: the gateway (WORKERS=1 and 2) against a bare Bun pass-through, both in front of
// the same fast mock upstream, on this machine, in one run. `bun bench/run.ts [--quick]`.

import { type CellPlan, type CellResult, type Mode, runCell } from './cell.ts'
import { evaluateChecks } from './checks.ts'
import { fdLimitNote, streamsWithinFdLimit } from './fd-limit.ts'
import { load } from './load.ts'
import { machineInfo } from './machine.ts'
import { requireProcFs } from './measure-proc.ts'
import { memoryTest, type StreamsMemory } from './memory-test.ts'
import { startRedis } from './redis-server.ts'
import { printReport, type RunResult, writeResult } from './report.ts'
import { requestSpec } from './requests.ts'
import { type Running, startTargets } from './start-targets.ts'
import { NAMES, startTarget, TARGETS, type TargetPlan } from './target-plans.ts'
import { buildGateway, type Service, startUpstream, stop, stopAll, stopAllOnSignal } from './targets.ts'

const unknownArguments = process.argv.slice(2).filter((argument) => argument !== '--quick')
if (unknownArguments.length > 0) {
  console.error(`unknown argument ${unknownArguments.join(' ')}; usage: bun bench/run.ts [--quick]`)
  process.exit(2)
}
requireProcFs()
const quick = process.argv.includes('--quick')

// Full: 5 targets, 9 target-modes × 4 concurrencies × ~7 s, 3 scenarios at c=64, memory with 1,000
// and then 10,000 streams: about 9 minutes. Quick: 2 concurrencies × ~3 s, memory with 1,000 streams
// without the floors: under 2 minutes.
const settings = {
  concurrencies: quick ? [1, 64] : [1, 16, 64, 256],
  durationS: quick ? 2 : 6,
  warmupS: 1,
  // Sequential probe requests (c=1): 2,000 give a p99.9 that is not simply the slowest one; a quick
  // run's 500 keep it under 2 minutes, and its p99.9 is the slowest. At higher concurrency two per
  // connection.
  sequentialProbes: quick ? 500 : 2000,
  probeWarmup: 50,
  streamEvents: 1000,
  memory: { streams: 1000, events: 50, delayMs: 20, rounds: 3 },
  // Each stream lasts 15 s: opening 10,000 connections through a proxy takes several seconds here,
  // and the first must still be open when the last opens.
  manyStreams: { streams: 10_000, events: 30, delayMs: 500, rounds: 3 },
}

const MODES: Mode[] = ['non-stream', 'stream']

const startedAt = new Date().toISOString()
const resultsDir = `${import.meta.dir}/results`
const logDir = `${resultsDir}/logs/${startedAt.replaceAll(':', '-')}`

function cellPlan(concurrency: number): CellPlan {
  return {
    durationS: settings.durationS,
    probeRequests: concurrency === 1 ? settings.sequentialProbes : concurrency * 2,
    probeWarmup: concurrency === 1 ? settings.probeWarmup : 0,
  }
}

async function measureThroughput(running: Running[], upstream: Service, cells: CellResult[]): Promise<void> {
  for (const mode of MODES) {
    const inMode = running.filter(({ plan }) => plan.modes.includes(mode))
    // JIT and connection pools warm up before anything is recorded.
    for (const { plan, service } of inMode) await load(requestSpec(plan.kind, service, mode), 16, settings.warmupS)
    for (const concurrency of settings.concurrencies) {
      // The targets take turns within each cell, so that the machine's drift over a run
      // (other load, heat) lands on all of them alike, not on whichever came last.
      for (const { plan, service } of inMode.filter(({ plan }) => plan.concurrencies?.includes(concurrency) ?? true)) {
        const spec = requestSpec(plan.kind, service, mode)
        const cell = await runCell(service, upstream, spec, mode, concurrency, cellPlan(concurrency))
        cells.push(cell)
        console.error(
          `  ${plan.name} ${mode} c=${concurrency}: ${cell.load.requestsPerSecond.toFixed(0)} req/s, ` +
            `p50 ${cell.load.latencyP50Ms} ms, cpu ${cell.cpuPer1k.target.toFixed(3)} s/1k`,
        )
      }
    }
  }
}

/**
 * Each target, freshly started so that the throughput runs do not weigh on its memory, holds
 * `streams` slow streams open at once, `rounds` times.
 */
async function measureMemory(
  plans: TargetPlan[],
  name: string,
  scenario: { streams: number; events: number; delayMs: number; rounds: number },
): Promise<StreamsMemory> {
  const streams = streamsWithinFdLimit(scenario.streams)
  const note = streams < scenario.streams ? `${fdLimitNote}; ${streams.toLocaleString('en')} streams fit` : undefined
  const result: StreamsMemory = { wanted: scenario.streams, memory: {}, failed: {}, note }
  console.error(`Memory: ${streams} streams of ${scenario.events} events ${scenario.delayMs} ms apart, opened at once:`)
  const upstream = await startUpstream(name, logDir, {
    FAST_UPSTREAM_EVENTS: String(scenario.events),
    FAST_UPSTREAM_DELAY_MS: String(scenario.delayMs),
  })
  for (const plan of plans) {
    // A target that breaks under this many streams is a finding, not the end of the run.
    let service: Service | undefined
    try {
      service = await startTarget(plan, { upstream, logDir })
      const memory = await memoryTest(service, upstream, requestSpec(plan.kind, service, 'stream'), streams, scenario.rounds)
      result.memory[plan.name] = memory
      console.error(`  ${plan.name}: peak ${memory.rounds.map((r) => `${r.peakMiB.toFixed(0)} MiB in ${r.seconds.toFixed(1)} s`).join(' / ')}`)
    } catch (e) {
      result.failed[plan.name] = String(e)
      console.error(`  ${plan.name}: ${e}`)
    } finally {
      if (service) await stop(service)
    }
  }
  await stop(upstream)
  return result
}

async function main(): Promise<RunResult> {
  const cells: CellResult[] = []
  const skipped: Record<string, string> = {}

  console.error(`Throughput cells (${settings.durationS} s each):`)
  const upstream = await startUpstream('fast-upstream', logDir, { FAST_UPSTREAM_EVENTS: String(settings.streamEvents) })
  const redis = await startRedis(logDir)
  const running = await startTargets(TARGETS, { upstream, logDir, redis }, skipped)
  await measureThroughput(running, upstream, cells)
  for (const { service } of running) await stop(service)
  if (typeof redis === 'object') await stop(redis)
  await stop(upstream)

  // The floors' memory is context for the full run; a quick run keeps to its 2 minutes without it.
  const measured = running.map(({ plan }) => plan).filter((plan) => plan.memory)
  const memory = await measureMemory(
    measured.filter((plan) => !quick || !plan.kind.startsWith('floor-')),
    'slow-upstream',
    settings.memory,
  )
  // 10,000 streams: the gateway against bare, and only in a full run (about 3 minutes).
  const manyStreams = quick
    ? { wanted: settings.manyStreams.streams, memory: {}, failed: {}, notRun: 'a full run only (not --quick)' }
    : await measureMemory(
        measured.filter((plan) => plan.name === NAMES.bare || plan.name === NAMES.gateway),
        'many-streams-upstream',
        settings.manyStreams,
      )

  const machine = machineInfo()
  return {
    startedAt,
    quick,
    machine: { ...machine, fdLimit: fdLimitNote },
    settings,
    skipped,
    cells,
    memory,
    manyStreams,
    checks: evaluateChecks({ cells, memory, manyStreams, skipped, streamEvents: settings.streamEvents, cores: machine.nproc }, NAMES),
  }
}

stopAllOnSignal()
try {
  // The gateway is measured as the container runs it: the bundle of `bun run build`.
  console.log(`gateway: ${await buildGateway(`${logDir}/dist`)} (the bundle the container runs)`)
  const result = await main()
  printReport(result, NAMES)
  console.log(`\nResults: ${await writeResult(result, resultsDir)}\nService logs: ${logDir}`)
} catch (e) {
  console.error(e)
  process.exitCode = 1
} finally {
  await stopAll()
}
