export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export type Logger = { readonly [L in LogLevel]: (fields: Record<string, unknown>) => void } & {
  enabled: (level: LogLevel) => boolean
}

/** JSON lines on stdout; a level below LOG_LEVEL costs one comparison. */
export const createLogger = (level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Logger => {
  const threshold = RANK[level]
  const at =
    (lineLevel: LogLevel) =>
    (fields: Record<string, unknown>): void => {
      if (RANK[lineLevel] < threshold) return
      write(`${JSON.stringify({ time: new Date().toISOString(), level: lineLevel, ...fields })}\n`)
    }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), enabled: (l) => RANK[l] >= threshold }
}
