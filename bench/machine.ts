// What the numbers were measured on; a result file without it cannot be compared with another.

import { readFileSync } from 'node:fs'
import os from 'node:os'

export function machineInfo() {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown'
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    memTotalMiB: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    // Other work on the machine skews every figure; a high load at the start explains odd results.
    loadAverage1mAtStart: os.loadavg()[0],
    bunVersion: Bun.version,
    bunRevision: Bun.revision,
  }
}
