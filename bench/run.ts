// The benchmark: the gateway (WORKERS=1 and 2) against a bare Bun pass-through, both in front of
// the same fast mock upstream, on this machine, in one run. `bun bench/run.ts [--quick]`.

import { runCell, type CellPlan, type CellResult, type Mode } from './cell.ts'
import { evaluateChecks } from './checks.ts'
import { load } from './load.ts'
import { machineInfo } from './machine.ts'
import { requireProcFs } from './measure-proc.ts'
import { memoryTest, type MemoryResult } from './memory-test.ts'
import { printReport, writeResult, type RunResult } from './report.ts'
import { checkAnswer, requestSpec, type TargetKind } from './requests.ts'
import { startRedisServer, stopRedisServers } from '../test/support/redis-server.ts'
import {
  startBare,
  startFloor,
  startGateway,
  startUpstream,
  stop,
  stopAll,
  stopAllOnSignal,
  type Service,
} from './targets.ts'

const unknownArguments = process.argv.slice(2).filter((argument) => argument !== '--quick')
if (unknownArguments.length > 0) {
  console.error(`unknown argument ${unknownArguments.join(' ')}; usage: bun bench/run.ts [--quick]`)
  process.exit(2)
}
requireProcFs()
const quick = process.argv.includes('--quick')

// Full: 7 targets, 11 target-modes × 4 concurrencies × ~7 s, plus memory tests: about 5 minutes.
// Quick: 2 concurrencies × ~3 s, memory without the floors: under 2 minutes.
const settings = {
  concurrencies: quick ? [1, 64] : [1, 16, 64, 256],
  durationS: quick ? 2 : 6,
  warmupS: 1,
  // Sequential probe requests (c=1); at higher concurrency two per connection.
  sequentialProbes: quick ? 100 : 300,
  probeWarmup: 20,
  streamEvents: 1000,
  memory: { streams: 1000, events: 50, delayMs: 20, rounds: 3 },
}

const MODES: Mode[] = ['non-stream', 'stream']

interface TargetPlan {
  name: string
  kind: TargetKind
  workers: number
  modes: Mode[]
  /** Added to the gateway's environment. */
  env?: Record<string, string>
  /** Counters in a redis-server the run starts (REDIS_URL). */
  redis?: boolean
}

/** The bench key with limits it never reaches: every request pays for one reserve and one settle. */
const LIMITED_KEY_ENV = {
  ALLOWED_API_KEYS: '',
  CLIENT_KEYS_JSON: JSON.stringify([{ name: 'bench', key: 'sk-bench', rpm: 1e9, tpm: 1e12, daily_token_budget: 1e15 }]),
}

/** The names the checks compare, so that the list below may be reordered freely. */
const NAMES = { bare: 'bare', floorTransform: 'floor-transform', floorMapper: 'floor-mapper', gateway: 'gateway-w1', gateway2: 'gateway-w2' }

const TARGETS: TargetPlan[] = [
  { name: NAMES.bare, kind: 'bare', workers: 1, modes: MODES },
  // The transform floor relays JSON exactly as bare does: only its streams tell something.
  { name: NAMES.floorTransform, kind: 'floor-transform', workers: 1, modes: ['stream'] },
  { name: NAMES.floorMapper, kind: 'floor-mapper', workers: 1, modes: MODES },
  { name: NAMES.gateway, kind: 'gateway', workers: 1, modes: MODES },
  { name: NAMES.gateway2, kind: 'gateway', workers: 2, modes: MODES },
  // The cost of limits with the instance's SQLite counters, against gateway-w2 in the same run.
  { name: 'gateway-w2-limited', kind: 'gateway', workers: 2, modes: ['non-stream'], env: LIMITED_KEY_ENV },
  { name: 'gateway-w2-limited-redis', kind: 'gateway', workers: 2, modes: ['non-stream'], env: LIMITED_KEY_ENV, redis: true },
]

/** Set once the run has started its redis-server. */
let redisUrl = ''

const startedAt = new Date().toISOString()
const resultsDir = `${import.meta.dir}/results`
const logDir = `${resultsDir}/logs/${startedAt.replaceAll(':', '-')}`

function start(target: TargetPlan, upstream: Service): Promise<Service> {
  switch (target.kind) {
    case 'bare':
      return startBare(target.name, upstream, logDir)
    case 'floor-transform':
      return startFloor(target.name, 'transform', upstream, logDir)
    case 'floor-mapper':
      return startFloor(target.name, 'mapper', upstream, logDir)
    case 'gateway':
      return startGateway(target.name, upstream, target.workers, logDir, { ...target.env, ...(target.redis && { REDIS_URL: redisUrl }) })
  }
}

function cellPlan(concurrency: number): CellPlan {
  return {
    durationS: settings.durationS,
    probeRequests: concurrency === 1 ? settings.sequentialProbes : concurrency * 2,
    probeWarmup: concurrency === 1 ? settings.probeWarmup : 0,
  }
}

interface Running {
  plan: TargetPlan
  service: Service
}

/** Starts every target and keeps those that answer correctly; records why the others are skipped. */
async function startTargets(upstream: Service, skipped: Record<string, string>): Promise<Running[]> {
  const running: Running[] = []
  for (const plan of TARGETS) {
    const service = await start(plan, upstream)
    let wrong: string | undefined
    for (const mode of plan.modes) wrong ??= await checkAnswer(plan.kind, mode, requestSpec(plan.kind, service, mode))
    if (wrong) {
      skipped[plan.name] = `wrong answer before load: ${wrong}`
      await stop(service)
    } else running.push({ plan, service })
  }
  return running
}

async function measureThroughput(running: Running[], upstream: Service, cells: CellResult[]): Promise<void> {
  for (const mode of MODES) {
    const inMode = running.filter(({ plan }) => plan.modes.includes(mode))
    // JIT and connection pools warm up before anything is recorded.
    for (const { plan, service } of inMode) await load(requestSpec(plan.kind, service, mode), 16, settings.warmupS)
    for (const concurrency of settings.concurrencies) {
      // The targets take turns within each cell, so that the machine's drift over a run
      // (other load, heat) lands on all of them alike, not on whichever came last.
      for (const { plan, service } of inMode) {
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

/** A fresh instance of the target, so that the throughput runs do not weigh on its memory. */
async function measureMemory(target: TargetPlan, slowUpstream: Service): Promise<MemoryResult> {
  const service = await start(target, slowUpstream)
  try {
    const { streams, rounds } = settings.memory
    const result = await memoryTest(service, slowUpstream, requestSpec(target.kind, service, 'stream'), streams, rounds)
    console.error(`  ${target.name}: peak ${result.rounds.map((r) => r.peakMiB.toFixed(0)).join(' / ')} MiB`)
    return result
  } finally {
    await stop(service)
  }
}

async function main(): Promise<RunResult> {
  const cells: CellResult[] = []
  const memory: Record<string, MemoryResult> = {}
  const skipped: Record<string, string> = {}

  console.error(`Throughput cells (${settings.durationS} s each):`)
  const upstream = await startUpstream('fast-upstream', logDir, { FAST_UPSTREAM_EVENTS: String(settings.streamEvents) })
  if (TARGETS.some((plan) => plan.redis)) redisUrl = (await startRedisServer()).url
  const running = await startTargets(upstream, skipped)
  await measureThroughput(running, upstream, cells)
  for (const { service } of running) await stop(service)
  await stop(upstream)

  const { streams, events, delayMs } = settings.memory
  console.error(`Memory: ${streams} streams of ${events} events ${delayMs} ms apart, opened at once:`)
  const slowUpstream = await startUpstream('slow-upstream', logDir, {
    FAST_UPSTREAM_EVENTS: String(events),
    FAST_UPSTREAM_DELAY_MS: String(delayMs),
  })
  // The floors' memory is context for the full run; a quick run keeps to its 2 minutes without it.
  // Streams only: a target measured without them (the limited key) has no memory figure.
  const memoryTargets = running.filter(({ plan }) => plan.modes.includes('stream') && (!quick || !plan.kind.startsWith('floor-')))
  for (const { plan } of memoryTargets) memory[plan.name] = await measureMemory(plan, slowUpstream)
  await stop(slowUpstream)

  const machine = machineInfo()
  return {
    startedAt,
    quick,
    machine,
    settings,
    skipped,
    cells,
    memory,
    checks: evaluateChecks(cells, memory, NAMES, machine.nproc),
  }
}

stopAllOnSignal()
try {
  const result = await main()
  printReport(result, NAMES.bare)
  console.log(`\nResults: ${await writeResult(result, resultsDir)}\nService logs: ${logDir}`)
} catch (e) {
  console.error(e)
  process.exitCode = 1
} finally {
  await stopAll()
  await stopRedisServers()
}
