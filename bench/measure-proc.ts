// Reads CPU time, resident memory and open file descriptors of a process tree from /proc.
// A target is a tree because the gateway's launcher spawns its workers as child processes;
// children are found by their ppid (task/*/children lists each thread's children separately).

import { existsSync, readdirSync, readFileSync } from 'node:fs'

/** The benchmarks measure through Linux's /proc; elsewhere they stop with one line, not a stack. */
export function requireProcFs(): void {
  if (existsSync('/proc/self/stat')) return
  console.error('The benchmarks read CPU time and memory from /proc: they run on Linux only.')
  process.exit(2)
}

const CLOCK_TICKS_PER_SECOND = Number(Bun.spawnSync(['getconf', 'CLK_TCK']).stdout.toString().trim()) || 100

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parens. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined // the process has exited
  }
}

/** `root` and all its descendants alive now. */
export function processTree(root: number): number[] {
  const childrenOf = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    const ppid = Number(statFields(pid)?.[1]) // field 4 of stat: the state is field 3
    if (ppid) childrenOf.set(ppid, [...(childrenOf.get(ppid) ?? []), pid])
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) tree.push(...(childrenOf.get(tree[i]!) ?? []))
  return tree
}

/** When `pid` started, in clock ticks since boot (field 22 of stat); undefined once it has exited. */
export function startTime(pid: number): string | undefined {
  return statFields(pid)?.[19]
}

/** User + system CPU seconds used so far by `pids` (fields 14 and 15 of stat). */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0
  for (const pid of pids) {
    const f = statFields(pid)
    if (f) ticks += Number(f[11]) + Number(f[12])
  }
  return ticks / CLOCK_TICKS_PER_SECOND
}

/** CPU seconds the whole machine has spent busy (all but idle and iowait), from /proc/stat. */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND
}

const statusKiB = (status: string, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0)

/**
 * Resident memory of `pids` together, in MiB: each one's own pages (RssAnon + RssShmem), plus the
 * largest file-backed RSS once. The file pages are mostly the bun binary, which a launcher and its
 * workers share: summing VmRSS would count it once per process and bill a tree of three processes
 * ~50 MiB that one process does not pay.
 */
export function rssMiB(pids: number[]): number {
  let own = 0
  let file = 0
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      own += statusKiB(status, 'RssAnon') + statusKiB(status, 'RssShmem')
      file = Math.max(file, statusKiB(status, 'RssFile'))
    } catch {
      // the process has exited
    }
  }
  return (own + file) / 1024
}

/** Summed count of open file descriptors of `pids`. */
export function openFds(pids: number[]): number {
  let n = 0
  for (const pid of pids) {
    try {
      n += readdirSync(`/proc/${pid}/fd`).length
    } catch {
      // the process has exited
    }
  }
  return n
}

/**
 * Samples the summed RSS of a tree every `everyMs` until stopped and keeps the peak.
 * The tree is re-read on every sample: a gateway may start or replace workers at any time.
 */
export function sampleRss(root: number, everyMs = 100) {
  let peak = rssMiB(processTree(root))
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(processTree(root)))
  }, everyMs)
  return {
    stop(): number {
      clearInterval(timer)
      return Math.max(peak, rssMiB(processTree(root)))
    },
  }
}
