import type { MetricsSnapshot } from './metrics-registry.ts'
import { toPrometheusText } from './prometheus-text.ts'

type Worker = { pid: number; send: (message: unknown) => void }

const SCRAPE_TIMEOUT_MS = 1000

/**
 * The launcher's /metrics listener: each scrape asks every worker for its counters over IPC and
 * serves their sum, so a scrape does not depend on which worker a load balancer would pick.
 * A worker that does not answer within a second is left out (gateway_workers says how many did).
 */
export const createMetricsServer = ({ hostname, port, workers }: { hostname: string; port: number; workers: () => Iterable<Worker> }) => {
  const waiting = new Map<number, ((snapshot: MetricsSnapshot) => void)[]>()

  const ask = (worker: Worker) =>
    new Promise<MetricsSnapshot | undefined>((resolve) => {
      const timer = setTimeout(() => {
        // A worker that never answers must not collect one waiting answer per scrape.
        waiting.set(
          worker.pid,
          (waiting.get(worker.pid) ?? []).filter((waiter) => waiter !== answer),
        )
        resolve(undefined)
      }, SCRAPE_TIMEOUT_MS)
      const answer = (snapshot: MetricsSnapshot) => {
        clearTimeout(timer)
        resolve(snapshot)
      }
      waiting.set(worker.pid, [...(waiting.get(worker.pid) ?? []), answer])
      worker.send('metrics')
    })

  const server = Bun.serve({
    hostname,
    port,
    async fetch(request) {
      if (new URL(request.url).pathname !== '/metrics') return new Response('not found\n', { status: 404 })
      const snapshots = (await Promise.all([...workers()].map(ask))).filter((s): s is MetricsSnapshot => s !== undefined)
      return new Response(toPrometheusText(snapshots), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } })
    },
  })

  return {
    port: server.port,
    /** Called with each IPC message a worker sends. */
    onWorkerMessage(pid: number, message: unknown) {
      const snapshot = (message as { metrics?: MetricsSnapshot } | null)?.metrics
      if (!snapshot) return
      const answers = waiting.get(pid) ?? []
      waiting.delete(pid)
      for (const answer of answers) answer(snapshot)
    },
    stop: () => server.stop(true),
  }
}
