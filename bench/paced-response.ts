// A streamed response whose chunks leave one by one, with pauses, and that can end by cutting
// the connection. Used for slow streams (memory test) and for mid-stream faults (soak).

export interface Pacing {
  /** Pause before every chunk but the first. */
  delayMs: number
  /** "cut" errors the body after the last chunk, which makes Bun drop the socket mid-response. */
  ending: 'end' | 'cut'
  /** One longer pause before chunk number `at`, instead of the usual delay. */
  stall?: { at: number; ms: number }
  /** Called once when the body is finished, cut, or abandoned by the client. */
  onSettled?: () => void
}

export function pacedResponse(chunks: Uint8Array[], headers: Record<string, string>, { delayMs, ending, stall, onSettled }: Pacing): Response {
  let settled = false
  const settle = () => {
    if (settled) return
    settled = true
    onSettled?.()
  }
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for (let i = 0; i < chunks.length && !settled; i++) {
          if (stall?.at === i) await Bun.sleep(stall.ms)
          else if (delayMs > 0 && i > 0) await Bun.sleep(delayMs)
          if (settled) return
          controller.enqueue(chunks[i]!)
        }
        if (settled) return
        if (ending === 'cut') {
          // Let the chunks reach the wire first, so the client sees a 200 that then breaks.
          await Bun.sleep(20)
          controller.error(new Error('bench: connection cut'))
        } else controller.close()
      } catch {
        // enqueue throws once the client has gone; that is an ordinary end for a benchmark.
      } finally {
        settle()
      }
    },
    cancel: settle,
  })
  return new Response(body, { headers })
}
