// The open-file limit of the processes the benchmark starts. A proxy relaying N streams holds 2 N
// sockets (client and upstream side), so 10,000 open streams need more than the 20,000 a machine
// often allows. Raising a hard limit takes CAP_SYS_RESOURCE: where prlimit may not, the processes
// keep the limit they inherit, and a many-streams scenario opens only as many as fit.

import { readFileSync } from 'node:fs'

const WANTED = 65_536
// Descriptors a proxy holds besides its sockets: event loop, timers, pipes, files, listen socket.
const RESERVE_PER_PROCESS = 200

function inheritedLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  return Number(line?.split(/\s+/)[3]) || 1024
}

function raisable(prlimit: string | null): boolean {
  if (!prlimit) return false
  return Bun.spawnSync([prlimit, `--nofile=${WANTED}:${WANTED}`, '--', 'true'], { stderr: 'ignore' }).exitCode === 0
}

const prlimit = Bun.which('prlimit')
const raised = raisable(prlimit)

/** Put before a command: it then runs (same PID, prlimit execs it) with the raised limit, if any. */
export const fdLimitPrefix: string[] = raised ? [prlimit!, `--nofile=${WANTED}:${WANTED}`, '--'] : []

/** The open-file limit each started process has. */
export const fdLimit: number = raised ? WANTED : inheritedLimit()

/** Why the limit is what it is, for a report. */
export const fdLimitNote: string = raised
  ? `open-file limit raised to ${WANTED.toLocaleString('en')} with prlimit`
  : `open-file limit ${fdLimit.toLocaleString('en')}: ${prlimit ? 'prlimit may not raise it here (needs CAP_SYS_RESOURCE)' : 'prlimit is not installed'}`

/** The most streams (up to `wanted`) a proxy can hold open at once within the limit. */
export function streamsWithinFdLimit(wanted: number): number {
  return Math.min(wanted, Math.floor((fdLimit - RESERVE_PER_PROCESS) / 2))
}
