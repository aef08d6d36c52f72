import { mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = join(import.meta.dir, '..', '..')
const started = new Set<ReturnType<typeof Bun.spawn>>()

/** Each gateway's response store is a fresh SQLite file here (bun test runs no exit hook: each is removed on stop). */
const STORE_DIR = join(tmpdir(), 'gateway-test-stores')
mkdirSync(STORE_DIR, { recursive: true })
let stores = 0
export const testStorePath = () => join(STORE_DIR, `responses-${process.pid}-${++stores}.sqlite`)
/** The SQLite file and its WAL companions. */
export const removeStore = (path: string) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
}

/**
 * Ports for servers that bind a number they are given (a launcher's workers must share it), drawn
 * below the kernel's ephemeral range (32768 and up on Linux): every other server of the suite binds
 * port 0 and gets an ephemeral one, so with four test processes at once a number handed out from
 * that range could be taken again before the child binds it (seen: EADDRINUSE under load).
 */
const GIVEN_PORTS = { from: 20_000, to: 32_000 } as const

/** A port that was free a moment ago on 127.0.0.1 (for several workers that must share it). */
export const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = GIVEN_PORTS.from + Math.floor(Math.random() * (GIVEN_PORTS.to - GIVEN_PORTS.from))
    const server = createServer()
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (!bound) continue
    await new Promise((resolve) => server.close(resolve))
    return port
  }
  throw new Error(`no free port from ${GIVEN_PORTS.from} to ${GIVEN_PORTS.to} in 100 tries`)
}

export type Spawned = {
  proc: ReturnType<typeof Bun.spawn>
  output: () => string
  /** Resolves once `pattern` appears in stdout or stderr, or rejects after `ms`. */
  waitFor: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>
  exited: Promise<number>
}

/** Runs `bun <script>` from the repo with exactly this environment (plus PATH and a fresh response store), recording its output. */
export const spawnBun = (script: string, env: Record<string, string>): Spawned => {
  let output = ''
  const storePath = testStorePath()
  const proc = Bun.spawn([process.execPath, resolve(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', RESPONSES_DB_PATH: storePath, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  started.add(proc)
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true })
  }
  void pump(proc.stdout as ReadableStream<Uint8Array>)
  void pump(proc.stderr as ReadableStream<Uint8Array>)
  const exited = proc.exited.then((code) => {
    started.delete(proc)
    removeStore(storePath)
    return code
  })
  const waitFor = async (pattern: RegExp, ms = 5000) => {
    const deadline = performance.now() + ms
    while (performance.now() < deadline) {
      const match = output.match(pattern)
      if (match) return match
      await Bun.sleep(20)
    }
    throw new Error(`timed out waiting for ${pattern}; output so far:\n${output}`)
  }
  return { proc, output: () => output, waitFor, exited }
}

/** Ends every process this file started: SIGTERM by PID, then SIGKILL after 2 s. */
export const stopAll = async () => {
  const procs = [...started]
  for (const proc of procs) proc.kill('SIGTERM')
  await Promise.race([Promise.all(procs.map((p) => p.exited)), Bun.sleep(2000)])
  for (const proc of procs) if (proc.exitCode === null) proc.kill('SIGKILL')
}

/** PIDs of the direct children of `pid` (the launcher's workers). */
export const childPids = async (pid: number): Promise<number[]> => {
  const text = await Bun.file(`/proc/${pid}/task/${pid}/children`)
    .text()
    .catch(() => '')
  return text.trim().split(/\s+/).filter(Boolean).map(Number)
}
