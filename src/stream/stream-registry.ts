import type { OpenAIError } from '../errors/openai-error.ts'

type Abortable = { abortWith: (error: OpenAIError) => void }

/** Streams in flight, so a drain can wait for them and end the stragglers with an error chunk. */
export const createStreamRegistry = () => {
  const open = new Set<Abortable>()
  let onEmpty: (() => void) | undefined
  return {
    add: (stream: Abortable) => open.add(stream),
    delete: (stream: Abortable) => {
      open.delete(stream)
      if (open.size === 0) onEmpty?.()
    },
    get size() {
      return open.size
    },
    /** Resolves when no stream is left, or after `ms`, whichever comes first. */
    settled: (ms: number) =>
      new Promise<void>((resolve) => {
        if (open.size === 0) return resolve()
        const timer = setTimeout(resolve, ms)
        onEmpty = () => {
          clearTimeout(timer)
          resolve()
        }
      }),
    abortAll: (error: OpenAIError) => {
      for (const stream of [...open]) stream.abortWith(error)
    },
  }
}

export type StreamRegistry = ReturnType<typeof createStreamRegistry>
