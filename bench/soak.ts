// Soak: the gateway (UPSTREAM_TIMEOUT=2) in front of the fast upstream, under a mix of healthy
// requests, upstream faults, client mistakes and client aborts for a set time. Every answer
// must be a success, a clear error or an abort the client itself made; one "unclear" fails it.
// With --pool, the gateway fronts three upstreams instead, one failing half its requests and one
// refusing connections, and the pool's breakers and attempts in /metrics are checked too (soak-pool.ts).
// `bun bench/soak.ts [--seconds N] [--workers N] [--pool]`

import { parseArgs } from 'node:util'
import type { Outcome, Verdict } from './classify.ts'
import { openFds, processTree, requireProcFs, rssMiB, sampleRss } from './measure-proc.ts'
import { drawScenario, runScenario, scenarioName } from './soak-mix.ts'
import { type SoakTarget, startPool } from './soak-pool.ts'
import { startGateway, startUpstream, stopAll, stopAllOnSignal } from './targets.ts'

const USAGE = 'usage: bun bench/soak.ts [--seconds N] [--workers N] [--pool], N a whole number above 0'
/** --seconds, --workers and --pool, or one line and exit 2 (a typo must not run a soak of NaN seconds). */
function parseOptions(): { seconds: number; workers: number; pool: boolean } {
  let values: { seconds?: string; workers?: string; pool?: boolean }
  try {
    values = parseArgs({
      options: { seconds: { type: 'string', default: '60' }, workers: { type: 'string', default: '2' }, pool: { type: 'boolean', default: false } },
    }).values
  } catch (error) {
    console.error(`${(error as Error).message}; ${USAGE}`)
    process.exit(2)
  }
  const [seconds, workers] = [Number(values.seconds), Number(values.workers)]
  if (!Number.isInteger(seconds) || seconds < 1 || !Number.isInteger(workers) || workers < 1) {
    console.error(USAGE)
    process.exit(2)
  }
  return { seconds, workers, pool: values.pool === true }
}
requireProcFs()
const { seconds, workers, pool } = parseOptions()

const CLIENTS = 32
const WARMUP_S = 3
const EVENTS = 100 // per stream, 2 ms apart: a stream lasts ~250 ms, long enough to abort inside
const UPSTREAM_TIMEOUT_S = 2
// Longer than the gateway's timeout and its retries (2 by default) with their back-off.
const REQUEST_DEADLINE_MS = 30_000
// Time for closed connections to be released before fds and RSS are read again.
const SETTLE_MS = 2_000

const startedAt = new Date().toISOString()
const logDir = `${import.meta.dir}/results/logs/soak-${startedAt.replaceAll(':', '-')}`

interface Tally {
  byOutcome: Record<Outcome, number>
  byScenario: Map<string, Record<Outcome, number>>
  /** Clear errors by status and code (or "in stream" and code). */
  byError: Map<string, number>
  unclearExamples: string[]
}

const emptyCounts = (): Record<Outcome, number> => ({ success: 0, 'clear-error': 0, aborted: 0, unclear: 0 })

/** `CLIENTS` loops sending drawn scenarios until `untilMs`; each request ends within its deadline. */
async function drive(url: string, untilMs: number, tally: Tally): Promise<void> {
  const loop = async () => {
    while (Date.now() < untilMs) {
      const scenario = drawScenario()
      const verdict: Verdict = await runScenario(url, scenario, EVENTS, REQUEST_DEADLINE_MS)
      const name = scenarioName(scenario)
      tally.byOutcome[verdict.outcome]++
      const row = tally.byScenario.get(name) ?? emptyCounts()
      row[verdict.outcome]++
      tally.byScenario.set(name, row)
      if (verdict.outcome === 'clear-error') tally.byError.set(verdict.detail ?? '', (tally.byError.get(verdict.detail ?? '') ?? 0) + 1)
      if (verdict.outcome === 'unclear' && tally.unclearExamples.length < 10) {
        tally.unclearExamples.push(`${name}: ${verdict.detail}`)
      }
      // As openai-node's retries do: a client told to come back later does not ask again at once.
      if (verdict.retryAfterS) await Bun.sleep(Math.min(verdict.retryAfterS * 1000, untilMs - Date.now()))
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, loop))
}

function snapshot(pid: number) {
  const tree = processTree(pid)
  return { processes: tree.length, rssMiB: rssMiB(tree), fds: openFds(tree) }
}

async function startSingle(upstreamEnv: Record<string, string>, gatewayEnv: Record<string, string>): Promise<SoakTarget> {
  const upstream = await startUpstream('soak-upstream', logDir, upstreamEnv)
  const gateway = await startGateway('soak-gateway', upstream, workers, logDir, gatewayEnv)
  return { gateway, finish: async () => ({ lines: [], passed: true }) }
}

async function main(): Promise<number> {
  const upstreamEnv = {
    FAST_UPSTREAM_EVENTS: String(EVENTS),
    FAST_UPSTREAM_DELAY_MS: '2',
    FAST_UPSTREAM_STALL_MS: String(UPSTREAM_TIMEOUT_S * 2500),
  }
  const gatewayEnv = { UPSTREAM_TIMEOUT: String(UPSTREAM_TIMEOUT_S) }
  const target = pool ? await startPool(logDir, workers, upstreamEnv, gatewayEnv) : await startSingle(upstreamEnv, gatewayEnv)
  const { gateway } = target
  const url = `${gateway.url}/v1/chat/completions`

  // Warm-up first, so that connection pools are full before the baseline fds are read.
  console.error(`Warm-up ${WARMUP_S} s, then soak ${seconds} s with ${CLIENTS} clients (gateway WORKERS=${workers})`)
  const warmup: Tally = { byOutcome: emptyCounts(), byScenario: new Map(), byError: new Map(), unclearExamples: [] }
  await drive(url, Date.now() + WARMUP_S * 1000, warmup)
  await Bun.sleep(SETTLE_MS)
  const before = snapshot(gateway.pid)

  const tally: Tally = { byOutcome: emptyCounts(), byScenario: new Map(), byError: new Map(), unclearExamples: [] }
  const sampler = sampleRss(gateway.pid)
  const t0 = performance.now()
  await drive(url, Date.now() + seconds * 1000, tally)
  const elapsedS = (performance.now() - t0) / 1000
  const peakMiB = sampler.stop()
  const checks = await target.finish()
  await Bun.sleep(SETTLE_MS)
  const after = snapshot(gateway.pid)

  const total = Object.values(tally.byOutcome).reduce((a, b) => a + b, 0)
  const unclear = tally.byOutcome.unclear + warmup.byOutcome.unclear
  console.log(`\nSoak: ${total} requests in ${elapsedS.toFixed(1)} s (${(total / elapsedS).toFixed(0)}/s), ${CLIENTS} clients`)
  console.log(
    `Outcomes: ${Object.entries(tally.byOutcome)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}${warmup.byOutcome.unclear ? ` (+ ${warmup.byOutcome.unclear} unclear during warm-up)` : ''}`,
  )
  console.log('\nBy scenario (success / clear-error / aborted / unclear):')
  for (const [name, c] of [...tally.byScenario].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${name.padEnd(34)} ${[c.success, c['clear-error'], c.aborted, c.unclear].map((n) => String(n).padStart(6)).join(' ')}`)
  }
  for (const example of [...warmup.unclearExamples, ...tally.unclearExamples].slice(0, 10)) console.log(`  UNCLEAR ${example}`)
  const errors = [...tally.byError].sort(([a], [b]) => a.localeCompare(b))
  console.log(`Clear errors: ${errors.map(([detail, n]) => `${detail} ${n}`).join(', ') || 'none'}`)
  console.log(
    `\nGateway (${after.processes} processes): RSS ${before.rssMiB.toFixed(0)} MiB after warm-up → ` +
      `peak ${peakMiB.toFixed(0)} → ${after.rssMiB.toFixed(0)} MiB at the end`,
  )
  console.log(`Open fds: ${before.fds} after warm-up → ${after.fds} at the end`)
  if (checks.lines.length > 0) console.log(`\n${checks.lines.join('\n')}`)
  const passed = unclear === 0 && checks.passed
  const failedChecks = checks.passed ? '' : ', and a pool check failed'
  console.log(`\n${passed ? 'PASS' : 'FAIL'}: ${unclear} unclear outcomes${failedChecks}. Service logs: ${logDir}`)
  return passed ? 0 : 1
}

stopAllOnSignal()
try {
  process.exitCode = await main()
} catch (e) {
  console.error(e)
  process.exitCode = 1
} finally {
  await stopAll()
}
