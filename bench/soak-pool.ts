// The soak's pool set-up (`--pool`): the gateway in front of three upstreams with equal weights:
// one healthy, one failing half its requests (529 or 500) and one refusing connections (a port
// nobody listens on). /metrics is sampled all through the run, since a breaker that opened
// closes again after its cooldown; at the end its states and attempts are printed and checked.

import { addSample, emptyWatch, judgePool, type PoolRoles, poolSeries } from './pool-metrics.ts'
import { freePort, type Service, startGateway, startUpstream } from './targets.ts'

const ROLES: PoolRoles = { healthy: 'healthy', failing: 'failing', refusing: 'refusing' }
const FAIL_RATIO = 0.5
// Three attempts: one per member, so a request can fail over twice.
const RETRIES = 2
// A half-open breaker lasts one probe (milliseconds here), an open one the 10 s cooldown.
const SAMPLE_EVERY_MS = 250

export interface SoakTarget {
  gateway: Service
  /** Called when the traffic stops: the lines to print and whether the target's checks passed. */
  finish(): Promise<{ lines: string[]; passed: boolean }>
}

async function scrape(metricsUrl: string): Promise<string> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })
  if (!res.ok) throw new Error(`GET ${metricsUrl} answered ${res.status}`)
  return res.text()
}

/** Fails the run when the port meant to refuse connections was taken after all. */
async function assertRefused(url: string): Promise<void> {
  const answered = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  )
  if (answered) throw new Error(`${url} answers, so it cannot be the refusing upstream; run again`)
}

export async function startPool(logDir: string, workers: number, upstreamEnv: Record<string, string>, gatewayEnv: Record<string, string>): Promise<SoakTarget> {
  const healthy = await startUpstream(ROLES.healthy, logDir, upstreamEnv)
  const failing = await startUpstream(ROLES.failing, logDir, { ...upstreamEnv, FAST_UPSTREAM_FAIL_RATIO: String(FAIL_RATIO) })
  const refusing = { name: ROLES.refusing, url: `http://127.0.0.1:${freePort()}` }
  const metricsUrl = `http://127.0.0.1:${freePort()}/metrics`
  const gateway = await startGateway('soak-gateway', [healthy, failing, refusing], workers, logDir, {
    ...gatewayEnv,
    UPSTREAM_RETRIES: String(RETRIES),
    METRICS_ENABLED: 'true',
    METRICS_PORT: new URL(metricsUrl).port,
  })
  await assertRefused(refusing.url)

  const watch = emptyWatch()
  let watching = true
  // Held until finish(), so that a failed scrape fails the run there rather than as an unhandled rejection.
  let failed: unknown
  const sampling = (async () => {
    while (watching) {
      try {
        addSample(watch, poolSeries(await scrape(metricsUrl)).breakers)
      } catch (error) {
        failed = error
        return
      }
      await Bun.sleep(SAMPLE_EVERY_MS)
    }
  })()
  return {
    gateway,
    async finish() {
      watching = false
      await sampling
      if (failed) throw failed
      return judgePool(ROLES, watch, poolSeries(await scrape(metricsUrl)))
    },
  }
}
