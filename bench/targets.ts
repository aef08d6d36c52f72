// Starts the processes a benchmark needs, each on a free 127.0.0.1 port, waits until each
// answers GET /health, and stops them all by PID (also when the run fails or is interrupted).

import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { fdLimitPrefix } from './fd-limit.ts'
import { processTree, startTime } from './measure-proc.ts'

const BENCH_DIR = import.meta.dir
const REPO_DIR = resolve(BENCH_DIR, '..')
/** The gateway's launcher: the TypeScript in src/ until buildGateway has made the bundle. */
let gatewayEntry = resolve(REPO_DIR, 'src/main.ts')
const HEALTH_DEADLINE_MS = 15_000
// Above the gateway's default SHUTDOWN_GRACE_SECONDS (8), so it may finish its own shutdown.
const STOP_GRACE_MS = 10_000

export interface Service {
  name: string
  pid: number
  port: number
  url: string
}

const running = new Map<number, Bun.Subprocess>()

/** A port that was free a moment ago. The child binds it right away, so a race is unlikely. */
export function freePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

/**
 * Starts `command` with PORT set to a free port, keeps it for stopAll, and waits until `ready`
 * says it answers. Its output goes to `<logDir>/<name>.log` and `.err.log`.
 */
export async function spawnTracked(
  name: string,
  command: (port: number) => string[],
  env: Record<string, string>,
  logDir: string,
  ready: (port: number) => Promise<boolean>,
): Promise<{ pid: number; port: number }> {
  mkdirSync(logDir, { recursive: true })
  const port = freePort()
  const logFile = `${logDir}/${name}.log`
  const child = Bun.spawn([...fdLimitPrefix, ...command(port)], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdout: Bun.file(logFile),
    stderr: Bun.file(`${logDir}/${name}.err.log`),
  })
  running.set(child.pid, child)
  const deadline = Date.now() + HEALTH_DEADLINE_MS
  while (Date.now() < deadline && child.exitCode === null) {
    if (await ready(port)) return { pid: child.pid, port }
    await Bun.sleep(50)
  }
  const exited = child.exitCode !== null
  await stopPid(child.pid)
  const why = exited ? `exited with ${child.exitCode} before it was ready` : `did not answer on port ${port} within ${HEALTH_DEADLINE_MS} ms`
  throw new Error(`${name} ${why} (see ${logDir}/${name}.err.log)`)
}

const answersHealth = (port: number) =>
  fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.ok,
    () => false,
  )

async function spawnService(name: string, script: string, env: Record<string, string>, logDir: string): Promise<Service> {
  const { pid, port } = await spawnTracked(name, () => [process.execPath, script], env, logDir, answersHealth)
  return { name, pid, port, url: `http://127.0.0.1:${port}` }
}

/** The fast mock upstream; `env` may set FAST_UPSTREAM_EVENTS, _DELAY_MS and _STALL_MS. */
export function startUpstream(name: string, logDir: string, env: Record<string, string> = {}) {
  return spawnService(name, `${BENCH_DIR}/fast-upstream.ts`, env, logDir)
}

/** An upstream as the gateway names it in a pool: a service, or any URL (one nobody listens on, say). */
export interface PoolUpstream {
  name: string
  url: string
}

function messagesUrl(upstream: PoolUpstream): string {
  return `${upstream.url}/v1/messages`
}

const UPSTREAM_KEY = 'bench-upstream'

/**
 * Bun's fetch holds 256 requests at once unless told otherwise: the bare and floor proxies may hold
 * as many as the gateway's launcher lets its workers hold, so that they are true floors with
 * thousands of streams open.
 */
const MAX_HTTP_REQUESTS = '16384'

/** The bare pass-through. */
export function startBare(name: string, upstream: Service, logDir: string) {
  return spawnService(
    name,
    `${BENCH_DIR}/bare-proxy.ts`,
    {
      UPSTREAM_API_URL: messagesUrl(upstream),
      UPSTREAM_API_KEY: UPSTREAM_KEY,
      BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS,
    },
    logDir,
  )
}

/** A floor between bare and gateway (see floor-proxy.ts), in front of the same upstream. */
export function startFloor(name: string, floor: 'transform' | 'mapper', upstream: Service, logDir: string) {
  return spawnService(
    name,
    `${BENCH_DIR}/floor-proxy.ts`,
    {
      UPSTREAM_API_URL: messagesUrl(upstream),
      UPSTREAM_API_KEY: UPSTREAM_KEY,
      FLOOR: floor,
      BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS,
    },
    logDir,
  )
}

/** One upstream, or a pool of them with equal weights (UPSTREAMS_JSON). */
function upstreamEnv(upstream: PoolUpstream | readonly PoolUpstream[]): Record<string, string> {
  if ('url' in upstream) return { UPSTREAM_API_URL: messagesUrl(upstream), UPSTREAM_API_KEY: UPSTREAM_KEY }
  return { UPSTREAMS_JSON: JSON.stringify(upstream.map((member) => ({ name: member.name, url: messagesUrl(member), key: UPSTREAM_KEY }))) }
}

/**
 * Builds the gateway as the container runs it, with the package's own `build` script (`bun run
 * build`, a minified bundle) into `outDir`, and makes startGateway run that bundle.
 */
export async function buildGateway(outDir: string): Promise<string> {
  const script = (await Bun.file(resolve(REPO_DIR, 'package.json')).json()).scripts.build as string
  // Said, not silently missed, if the script ever writes elsewhere: the bundle would not be the one measured.
  if (!script.includes('--outdir dist')) throw new Error(`the build script no longer writes --outdir dist: ${script}`)
  const argv = script.replace('--outdir dist', `--outdir ${outDir}`).split(' ')
  const build = Bun.spawnSync([process.execPath, ...argv.slice(1)], { cwd: REPO_DIR, stderr: 'pipe', stdout: 'ignore' })
  if (build.exitCode !== 0) throw new Error(`bun run build failed: ${build.stderr.toString()}`)
  gatewayEntry = resolve(outDir, 'main.js')
  return gatewayEntry
}

/** The gateway exactly as it would be deployed: only the env a deployment sets. */
export function startGateway(
  name: string,
  upstream: PoolUpstream | readonly PoolUpstream[],
  workers: number,
  logDir: string,
  env: Record<string, string> = {},
) {
  return spawnService(
    name,
    gatewayEntry,
    {
      WORKERS: String(workers),
      ...upstreamEnv(upstream),
      ALLOWED_API_KEYS: 'sk-bench',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      ...env,
    },
    logDir,
  )
}

export function stop(service: Service): Promise<void> {
  return stopPid(service.pid)
}

/**
 * SIGTERM to the service, then SIGKILL to whatever of its tree (e.g. gateway workers) is still
 * alive after a grace period. The tree is collected before the signal, while it is intact, with
 * start times, so that a PID reused by an unrelated process in the meantime is left alone.
 */
async function stopPid(root: number): Promise<void> {
  const child = running.get(root)
  if (!child) return
  const tree = processTree(root).map((pid) => ({ pid, started: startTime(pid) }))
  child.kill('SIGTERM')
  await Promise.race([child.exited, Bun.sleep(STOP_GRACE_MS)])
  for (const { pid, started } of tree) {
    if (started === undefined || startTime(pid) !== started) continue
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // it exited between the check and the signal
    }
  }
  await child.exited
  running.delete(root)
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running.keys()].map(stopPid))
}

/** Stops every service on SIGINT/SIGTERM too, so an interrupted run leaves nothing behind. */
export function stopAllOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping all services`)
      void stopAll().finally(() => process.exit(130))
    })
  }
}
