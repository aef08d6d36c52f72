/**
 * Server-sent events parser (https://html.spec.whatwg.org/multipage/server-sent-events.html),
 * fed decoded text. Lines end in LF, CRLF or a lone CR, also when a CRLF is split across reads.
 * Each read is scanned once with indexOf; only the unfinished line is kept between reads.
 * An event is its data: the Messages API names each event again in its JSON `type`, so `event:`
 * lines (like `id:` and `retry:`) are skipped without being copied.
 */
export type SseEvent = string

export type SseParserOptions = {
  onEvent: (data: SseEvent) => void
  /** Largest pending event (unfinished line plus collected data), in UTF-16 units. */
  maxEventSize: number
}

export class SseEventTooLargeError extends Error {
  override name = 'SseEventTooLargeError'
}

const LF = 10
const CR = 13
const SPACE = 32

export const createSseParser = ({ onEvent, maxEventSize }: SseParserOptions) => {
  let tail = ''
  let data: string | undefined
  /** The previous read ended in CR: an LF opening this one ends no second line. */
  let skipLF = false

  const dispatch = () => {
    if (data !== undefined) onEvent(data)
    data = undefined
  }

  const addData = (value: string) => {
    data = data === undefined ? value : `${data}\n${value}`
  }

  /** A line from `start` to `end` of `text`; only data lines are copied. */
  const processLine = (text: string, start: number, end: number) => {
    if (start === end) return dispatch()
    // Nearly every line is "data: …" or "event: …": decided without the general field parse.
    if (text.startsWith('data: ', start)) return addData(text.slice(start + 6, end))
    if (text.startsWith('event:', start)) return
    const colon = text.indexOf(':', start)
    const fieldEnd = colon < 0 || colon > end ? end : colon
    if (fieldEnd - start !== 4 || !text.startsWith('data', start)) return // comments, event, id, retry, unknown
    let valueStart = fieldEnd === end ? end : fieldEnd + 1
    if (valueStart < end && text.charCodeAt(valueStart) === SPACE) valueStart++
    addData(text.slice(valueStart, end))
  }

  const feed = (chunk: string) => {
    let start = 0
    const length = chunk.length
    if (skipLF && length > 0) {
      if (chunk.charCodeAt(0) === LF) start = 1
      skipLF = false
    }
    let nextLF = chunk.indexOf('\n', start)
    let nextCR = chunk.indexOf('\r', start)
    while (start < length) {
      if (nextLF !== -1 && nextLF < start) nextLF = chunk.indexOf('\n', start)
      if (nextCR !== -1 && nextCR < start) nextCR = chunk.indexOf('\r', start)
      const end = nextCR === -1 ? nextLF : nextLF === -1 ? nextCR : Math.min(nextLF, nextCR)
      if (end === -1) break
      if (tail === '') processLine(chunk, start, end)
      else {
        const line = tail + chunk.slice(start, end)
        tail = ''
        processLine(line, 0, line.length)
      }
      if (chunk.charCodeAt(end) === CR) {
        if (end + 1 === length) skipLF = true
        start = chunk.charCodeAt(end + 1) === LF ? end + 2 : end + 1
      } else start = end + 1
    }
    if (start < length) tail += chunk.slice(start)
    if (tail.length + (data?.length ?? 0) > maxEventSize) {
      throw new SseEventTooLargeError(`an upstream event exceeded ${maxEventSize} characters`)
    }
  }

  /** At end of stream a half-received event is discarded, as the spec says. */
  const end = () => {
    tail = ''
    data = undefined
  }

  return { feed, end }
}

/**
 * Upstream bytes in, SSE events out: one streaming UTF-8 decoder (a character split across reads
 * survives; bad bytes become U+FFFD) feeding one parser. `decode` returns the events a read
 * completed, in an array that is reused by the next call.
 */
export const createSseDecoder = ({ maxEventSize }: { maxEventSize: number }) => {
  const decoder = new TextDecoder()
  const events: SseEvent[] = []
  const parser = createSseParser({ onEvent: (data) => events.push(data), maxEventSize })
  return {
    decode(bytes: Uint8Array): SseEvent[] {
      events.length = 0
      parser.feed(decoder.decode(bytes, { stream: true }))
      return events
    },
    /** The events a final flush of the decoder completes; a half event left after them is discarded. */
    end(): SseEvent[] {
      events.length = 0
      parser.feed(decoder.decode())
      parser.end()
      return events
    },
  }
}

export type SseDecoder = ReturnType<typeof createSseDecoder>
