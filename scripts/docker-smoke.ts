/**
 * Docker smoke test: bun scripts/docker-smoke.ts [--drain] [--remove-image] [--keep-running]
 *   (package.json: "docker:smoke": "bun scripts/docker-smoke.ts", so also bun run docker:smoke --drain)
 *
 * Where a Docker engine and Compose v2 are available: builds the image, starts the `gateway-demo`
 * service (gateway + built-in mock upstream, client key sk-demo1) with compose under a project name
 * of its own, waits for the container to be healthy, sends a non-stream and a stream Chat
 * Completions request through the published loopback port, sends SIGTERM and checks that the
 * container exits with code 0 well inside the drain deadline, then removes what it made.
 *
 * Exit codes: 0 all checks passed, 1 a check failed, 2 no Docker engine / Compose here (or a bad option).
 *
 *   --remove-image   also remove the image it built (default: keep it, so the next run is fast)
 *   --keep-running   leave the demo container up after the request checks (skips the stop check)
 *   --drain          also check the drain under load (about 10 s more): the image run as compose runs
 *                    `gateway` (init, read-only, memory limit) against a slow streaming upstream that
 *                    shares the container's network namespace (so all traffic stays on loopback); a
 *                    stream is in flight at SIGTERM, must end with `shutting_down` + [DONE], and the
 *                    container must exit 0 after about SHUTDOWN_GRACE_SECONDS, before compose's
 *                    stop_grace_period (when Docker would SIGKILL).
 *
 * Environment: SMOKE_PORT (host port; default: a free loopback port), SMOKE_HEALTHY_TIMEOUT (s, 60),
 * SMOKE_STOP_LIMIT (s, 10: the gateway's 8 s SHUTDOWN_GRACE_SECONDS + 2 s margin, well under
 * compose's stop_grace_period of 15 s, after which Docker would SIGKILL).
 */
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..')
const PROJECT = 'claude-openai-gateway-smoke'
const SERVICE = 'gateway-demo'
const CLIENT_KEY = 'sk-demo1'
const MODEL = 'claude-sonnet-4-5'

const args = new Set(process.argv.slice(2))
for (const arg of args) {
  if (arg !== '--remove-image' && arg !== '--keep-running' && arg !== '--drain') {
    console.error(`unknown option ${arg}\nusage: bun scripts/docker-smoke.ts [--remove-image] [--keep-running] [--drain]`)
    process.exit(2)
  }
}
const removeImage = args.has('--remove-image')
const keepRunning = args.has('--keep-running')
const drainCheck = args.has('--drain')
const healthyTimeoutS = Number(process.env.SMOKE_HEALTHY_TIMEOUT ?? 60)
const stopLimitS = Number(process.env.SMOKE_STOP_LIMIT ?? 10)

const started = performance.now()
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const log = (line: string) => console.log(`[${secs(performance.now() - started).padStart(8)}] ${line}`)

class CheckFailed extends Error {}
const check = (ok: boolean, what: string): void => {
  if (!ok) throw new CheckFailed(what)
}

type RunResult = { code: number; stdout: string; stderr: string; ms: number }

/** Runs a command in the repo root; never throws for a non-zero exit. */
async function run(cmd: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  const t0 = performance.now()
  let proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>
  try {
    proc = Bun.spawn(cmd, {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      timeout: opts.timeoutMs ?? 120_000,
    })
  } catch (error) {
    return { code: 127, stdout: '', stderr: String(error), ms: performance.now() - t0 }
  }
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, stdout: stdout.trim(), stderr: stderr.trim(), ms: performance.now() - t0 }
}

const tail = (text: string, lines = 30) => text.split('\n').slice(-lines).join('\n')

async function mustRun(what: string, cmd: string[], opts: Parameters<typeof run>[1] = {}): Promise<RunResult> {
  const result = await run(cmd, opts)
  if (result.code !== 0) {
    console.error(tail(`${result.stdout}\n${result.stderr}`))
    throw new CheckFailed(`${what} failed (exit ${result.code}): ${cmd.join(' ')}`)
  }
  return result
}

async function freeLoopbackPort(): Promise<number> {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const { port } = server
  server.stop(true)
  return port
}

// ------------------------------------------------------------------ preflight
const dockerInfo = await run(['docker', 'version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})'], {
  timeoutMs: 20_000,
})
if (dockerInfo.code !== 0 || dockerInfo.stdout === '') {
  console.error(
    'docker-smoke: no Docker engine reachable here (`docker version` failed), nothing was run.\n' +
      `  ${tail(dockerInfo.stderr, 3) || 'docker CLI not found'}\n` +
      '  Install Docker / start the engine (or set DOCKER_HOST) and run again.',
  )
  process.exit(2)
}
let compose: string[] = []
for (const candidate of [['docker', 'compose'], ['docker-compose']]) {
  const version = await run([...candidate, 'version', '--short'], { timeoutMs: 20_000 })
  if (version.code === 0 && /^v?2\./.test(version.stdout)) {
    compose = candidate
    log(`engine ${dockerInfo.stdout}, compose ${version.stdout} (${candidate.join(' ')})`)
    break
  }
}
if (compose.length === 0) {
  console.error('docker-smoke: Docker Compose v2 not found (`docker compose` / `docker-compose` v2), nothing was run.')
  process.exit(2)
}

const port = process.env.SMOKE_PORT ? Number(process.env.SMOKE_PORT) : await freeLoopbackPort()
const base = `http://127.0.0.1:${port}`
// DEMO_PORT is what compose.yaml publishes gateway-demo on (127.0.0.1:${DEMO_PORT}:5000).
const composeEnv = { DEMO_PORT: String(port), COMPOSE_PROJECT_NAME: PROJECT }
const dc = (...rest: string[]) => [...compose, '-p', PROJECT, '--profile', 'demo', ...rest]

let containerId = ''
let failed = false
/** Containers made outside compose (--drain), removed at the end. */
const extraContainers: string[] = []

/** Compose durations as `docker compose config` prints them: 15s, 1m30s, 500ms. */
const durationMs = (text: string): number => {
  let total = 0
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(n) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[unit ?? 's']!
  }
  return total
}

/** A slow Messages API upstream: 40 text deltas 250 ms apart (10 s), then a proper end. */
const SLOW_UPSTREAM = `
const frame = (e) => 'event: ' + e.type + '\\ndata: ' + JSON.stringify(e) + '\\n\\n'
Bun.serve({ hostname: '127.0.0.1', port: 9100, idleTimeout: 0, fetch() {
  const enc = new TextEncoder()
  return new Response(new ReadableStream({ async start(c) {
    const send = (e) => c.enqueue(enc.encode(frame(e)))
    send({ type: 'message_start', message: { id: 'msg_slow', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5',
      content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 0 } } })
    send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
    for (let i = 0; i < 40; i++) { send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'tick' + i + ' ' } }); await Bun.sleep(250) }
    send({ type: 'content_block_stop', index: 0 })
    send({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 40 } })
    send({ type: 'message_stop' })
    c.close()
  } }), { headers: { 'content-type': 'text/event-stream' } })
} })
console.log('slow upstream on 127.0.0.1:9100')
`

async function checkDrainUnderLoad(image: string): Promise<void> {
  const config = JSON.parse((await mustRun('compose config', dc('config', '--format', 'json'), { env: composeEnv })).stdout) as {
    services: Record<string, { stop_grace_period?: string; mem_limit?: string | number }>
  }
  const gateway = config.services.gateway
  const stopGraceMs = durationMs(gateway?.stop_grace_period ?? '10s')
  const drainPort = await freeLoopbackPort()
  const drainBase = `http://127.0.0.1:${drainPort}`
  log(`drain: starting ${image} as compose runs \`gateway\` (stop_grace_period ${secs(stopGraceMs)}) on ${drainBase}`)
  // The flags compose.yaml gives `gateway`; only the upstream differs.
  const gatewayId = (
    await mustRun('docker run gateway', [
      'docker',
      'run',
      '-d',
      '--name',
      `${PROJECT}-drain`,
      '--init',
      '--read-only',
      '--tmpfs',
      '/tmp:size=16m',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges:true',
      '--memory',
      String(gateway?.mem_limit ?? '512m'),
      '-e',
      'PORT=5000',
      '-e',
      'HOST=0.0.0.0',
      '-e',
      'WORKERS=2',
      '-e',
      'UPSTREAM_API_URL=http://127.0.0.1:9100/v1/messages',
      '-e',
      'UPSTREAM_API_KEY=smoke-upstream-key',
      '-e',
      'ALLOWED_API_KEYS=sk-smoke',
      '-p',
      `127.0.0.1:${drainPort}:5000`,
      image,
    ])
  ).stdout
  extraContainers.push(gatewayId)
  const upstreamId = (
    await mustRun('docker run slow upstream', [
      'docker',
      'run',
      '-d',
      '--name',
      `${PROJECT}-slow-upstream`,
      '--network',
      `container:${gatewayId}`,
      '--read-only',
      '--cap-drop',
      'ALL',
      image,
      'bun',
      '-e',
      SLOW_UPSTREAM,
    ])
  ).stdout
  extraContainers.push(upstreamId)

  const readyT0 = performance.now()
  for (;;) {
    const ok = await fetch(`${drainBase}/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (performance.now() - readyT0 > healthyTimeoutS * 1000) throw new CheckFailed(`drain: gateway not answering /health after ${healthyTimeoutS} s`)
    await Bun.sleep(250)
  }

  const response = await fetch(`${drainBase}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-smoke', 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'slow please' }] }),
    signal: AbortSignal.timeout(stopGraceMs + 10_000),
  })
  check(response.status === 200 && response.body !== null, `drain: stream status ${response.status}`)
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let sse = ''
  while (!sse.includes('chat.completion.chunk')) {
    const { value, done } = await reader.read()
    if (done) throw new CheckFailed('drain: stream ended before its first chunk')
    sse += value
  }
  const t0 = performance.now()
  await mustRun('kill -s TERM', ['docker', 'kill', '-s', 'TERM', gatewayId])
  log('drain: stream in flight, SIGTERM sent')
  const exited = run(['docker', 'wait', gatewayId], { timeoutMs: stopGraceMs + 5_000 }).then((r) => ({ ...r, at: performance.now() - t0 }))
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    sse += value
  }
  const streamEndMs = performance.now() - t0
  const wait = await exited
  const exitCode = Number(wait.stdout)
  const data = sse
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
  const endedEarly = sse.includes('"shutting_down"')
  log(
    `drain: stream ended ${secs(streamEndMs)} after SIGTERM (${endedEarly ? 'cut with shutting_down' : 'completed'}, ` +
      `last=${JSON.stringify(data.at(-1))}); container exit ${wait.stdout || '?'} after ${secs(wait.at)} (SIGKILL would come at ${secs(stopGraceMs)})`,
  )
  check(data.at(-1) === '[DONE]', 'drain: the stream in flight did not end with data: [DONE]')
  check(wait.code === 0 && exitCode === 0, `drain: exit code ${wait.stdout || '(none: still running)'} after SIGTERM`)
  check(wait.at < stopGraceMs, `drain: exit after ${secs(wait.at)}, not before stop_grace_period ${secs(stopGraceMs)}`)
}

async function containerState(): Promise<{ status: string; health: string; exitCode: number }> {
  const r = await run([
    'docker',
    'inspect',
    '--format',
    '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}',
    containerId,
  ])
  const [status = 'unknown', health = 'unknown', exitCode = '-1'] = r.stdout.split(' ')
  return { status, health, exitCode: Number(exitCode) }
}

async function postChat(stream: boolean): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, stream, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(30_000),
  })
}

try {
  // Leftovers of an interrupted earlier run.
  await run(dc('down', '--remove-orphans', '--timeout', '5'), { env: composeEnv })
  await run(['docker', 'rm', '-f', `${PROJECT}-drain`, `${PROJECT}-slow-upstream`])

  // ------------------------------------------------------------------ build
  log(`build: ${compose.join(' ')} -p ${PROJECT} build ${SERVICE}`)
  const build = await mustRun('build', dc('build', SERVICE), { env: composeEnv, timeoutMs: 600_000 })
  const imageName = `${PROJECT}-${SERVICE}`
  const size = await run(['docker', 'image', 'inspect', '--format', '{{.Size}}', imageName])
  const sizeText = size.code === 0 ? `${(Number(size.stdout) / 1e6).toFixed(1)} MB` : '(size unknown)'
  log(`build: ok in ${secs(build.ms)}, image ${imageName} ${sizeText}`)

  // ------------------------------------------------------------------ start
  const up = await mustRun('compose up', dc('up', '-d', '--no-build', SERVICE), { env: composeEnv })
  containerId = (await mustRun('compose ps', dc('ps', '-q', SERVICE), { env: composeEnv })).stdout
  check(containerId !== '', 'compose up started no container')
  log(`up: container ${containerId.slice(0, 12)} started in ${secs(up.ms)}, published on ${base}`)

  // ------------------------------------------------------------------ healthy
  const healthT0 = performance.now()
  for (;;) {
    const state = await containerState()
    if (state.health === 'healthy') break
    if (state.status !== 'running') throw new CheckFailed(`container ${state.status} (exit ${state.exitCode}) before healthy`)
    if (performance.now() - healthT0 > healthyTimeoutS * 1000) {
      throw new CheckFailed(`not healthy after ${healthyTimeoutS} s (health: ${state.health})`)
    }
    await Bun.sleep(500)
  }
  log(`healthy: docker health check passed after ${secs(performance.now() - healthT0)}`)

  const inspect = await mustRun('inspect', [
    'docker',
    'inspect',
    '--format',
    'user={{.Config.User}} readonly={{.HostConfig.ReadonlyRootfs}} init={{.HostConfig.Init}} memory={{.HostConfig.Memory}}',
    containerId,
  ])
  const uid = (await mustRun('exec id', ['docker', 'exec', containerId, 'id', '-u'])).stdout
  log(`container: ${inspect.stdout} uid=${uid}`)
  check(uid !== '0' && inspect.stdout.includes('user=bun'), 'container runs as root')
  check(inspect.stdout.includes('readonly=true'), 'root filesystem is not read-only')

  // ------------------------------------------------------------------ requests
  let t0 = performance.now()
  const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) })
  const healthBody = await health.text()
  log(`GET /health -> ${health.status} ${healthBody} (${secs(performance.now() - t0)})`)
  check(health.status === 200 && (JSON.parse(healthBody) as { status?: string }).status === 'ok', '/health is not 200 {"status":"ok"}')

  t0 = performance.now()
  const noAuth = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(10_000),
  })
  await noAuth.arrayBuffer()
  log(`POST /v1/chat/completions without a key -> ${noAuth.status} (${secs(performance.now() - t0)})`)
  check(noAuth.status === 401, 'a request without a client key was not refused with 401')

  t0 = performance.now()
  const plain = await postChat(false)
  const plainText = await plain.text()
  const completion = JSON.parse(plainText) as {
    object?: string
    model?: string
    choices?: { message?: { role?: string; content?: unknown }; finish_reason?: string }[]
    usage?: unknown
  }
  const choice = completion.choices?.[0]
  log(
    `POST non-stream -> ${plain.status} object=${completion.object} finish_reason=${choice?.finish_reason} ` +
      `content=${JSON.stringify(choice?.message?.content)} (${secs(performance.now() - t0)})`,
  )
  check(plain.status === 200, `non-stream status ${plain.status}: ${plainText.slice(0, 300)}`)
  check(completion.object === 'chat.completion', 'non-stream object is not chat.completion')
  check(choice?.message?.role === 'assistant' && typeof choice.message.content === 'string', 'no assistant message')

  t0 = performance.now()
  const streamed = await postChat(true)
  const sse = await streamed.text()
  const dataLines = sse
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
  const chunks = dataLines.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as { object?: string; choices?: { delta?: { content?: string } }[] })
  const text = chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('')
  log(
    `POST stream -> ${streamed.status} ${streamed.headers.get('content-type')}, ${chunks.length} chunks, ` +
      `text=${JSON.stringify(text)}, last=${JSON.stringify(dataLines.at(-1))} (${secs(performance.now() - t0)})`,
  )
  check(streamed.status === 200, `stream status ${streamed.status}: ${sse.slice(0, 300)}`)
  check((streamed.headers.get('content-type') ?? '').startsWith('text/event-stream'), 'stream is not text/event-stream')
  check(chunks.length > 0 && chunks.every((c) => c.object === 'chat.completion.chunk'), 'stream has no chat.completion.chunk events')
  check(dataLines.at(-1) === '[DONE]', 'stream does not end with data: [DONE]')

  if (keepRunning) {
    log(`--keep-running: left ${SERVICE} up on ${base}; remove it with: ${dc('down').join(' ')}`)
  } else {
    // ---------------------------------------------------------------- SIGTERM
    t0 = performance.now()
    await mustRun('kill -s SIGTERM', dc('kill', '-s', 'SIGTERM', SERVICE), { env: composeEnv })
    // Bounded: past compose's stop_grace_period (15 s) a real `docker stop` would SIGKILL.
    const wait = await run(['docker', 'wait', containerId], { timeoutMs: 20_000 })
    const stopMs = performance.now() - t0
    const state = await containerState()
    log(`SIGTERM: container ${state.status}, exit code ${state.exitCode} after ${secs(stopMs)} (limit ${stopLimitS} s)`)
    check(wait.code === 0 && state.status === 'exited', 'container did not exit after SIGTERM')
    check(state.exitCode === 0, `exit code ${state.exitCode} after SIGTERM (137 = SIGKILLed, 143 = died of SIGTERM)`)
    check(stopMs < stopLimitS * 1000, `stop took ${secs(stopMs)}, over ${stopLimitS} s`)
    const logs = await run(['docker', 'logs', '--tail', '8', containerId])
    console.log(tail(`${logs.stdout}\n${logs.stderr}`.trim(), 8).replace(/^/gm, '    | '))
  }

  if (drainCheck) await checkDrainUnderLoad(imageName)
} catch (error) {
  failed = true
  console.error(`FAIL: ${error instanceof CheckFailed ? error.message : String(error)}`)
  if (containerId !== '') {
    const logs = await run(['docker', 'logs', '--tail', '40', containerId])
    console.error(`container logs (last 40 lines):\n${logs.stdout}\n${logs.stderr}`)
  }
} finally {
  if (extraContainers.length > 0) await run(['docker', 'rm', '-f', ...extraContainers])
  if (!keepRunning || failed) {
    const t0 = performance.now()
    const down = await run(dc('down', '--remove-orphans', '--timeout', '5', ...(removeImage ? ['--rmi', 'local'] : [])), {
      env: composeEnv,
    })
    log(
      `down: ${down.code === 0 ? 'removed' : `FAILED (exit ${down.code})`} containers and network of ${PROJECT}` +
        `${removeImage ? ' and its image' : ` (image ${PROJECT}-${SERVICE} kept; --remove-image removes it)`} in ${secs(performance.now() - t0)}`,
    )
    if (down.code !== 0) {
      console.error(tail(down.stderr))
      failed = true
    }
  }
}

log(failed ? 'docker smoke: FAILED' : 'docker smoke: passed')
process.exit(failed ? 1 : 0)
