/**
 * Server-sent events parser (https://html.spec.whatwg.org/multipage/server-sent-events.html),
 * fed decoded text. Lines end in LF, CRLF or a lone CR, also when a CRLF is split across reads.
 * Each read is scanned once with indexOf. Between reads it keeps the unfinished line and, while an
 * event waits for its blank line, the read its data line is in (see SseEventSink).
 * An event is its data: the Messages API names each event again in its JSON `type`, so `event:`
 * lines (like `id:` and `retry:`) are skipped without being copied.
 */

/**
 * Receives an event's data as `text.slice(start, end)`, without the slice: a one-line event is a
 * range of the read it came in, so the parser copies nothing and the receiver copies only what
 * it keeps (in a profile, resolving one substring per event cost as much as mapping it).
 */
export type SseEventSink = (text: string, start: number, end: number) => void

/**
 * Takes, at an event boundary of a read, as many whole events as it recognises straight from the
 * text (a run of same-kind deltas, see readDeltaRun), and returns where it stopped: `start` when
 * it took none. Only whole events, each exactly as the parser would have cut it.
 */
export type SseRunTaker = (text: string, start: number) => number

/** Who gets the events of one call: each one, or a whole run of them at once when `run` takes it. */
export type SseReader = { event: SseEventSink; run?: SseRunTaker }

export type SseParserOptions = {
  /** Largest pending event (unfinished line plus collected data), in UTF-16 units. */
  maxEventSize: number
}

export class SseEventTooLargeError extends Error {
  override name = 'SseEventTooLargeError'
}

const LF = 10
const CR = 13
const SPACE = 32

export const createSseParser = ({ maxEventSize }: SseParserOptions) => {
  let reader: SseReader = { event: () => {} }
  let tail = ''
  /** The pending event's data is `dataText.slice(dataStart, dataEnd)`; undefined before its first data line. */
  let dataText: string | undefined
  let dataStart = 0
  let dataEnd = 0
  /** The previous read ended in CR: an LF opening this one ends no second line. */
  let skipLF = false
  /** Set by `pause`: the rest of the read waits in `held` (from `heldFrom`) for `resume`. */
  let paused = false
  let held = ''
  let heldFrom = 0

  const dispatch = () => {
    if (dataText === undefined) return
    const text = dataText
    dataText = undefined
    reader.event(text, dataStart, dataEnd)
  }

  const addData = (text: string, start: number, end: number) => {
    if (dataText === undefined) {
      dataText = text
      dataStart = start
      dataEnd = end
      return
    }
    // A second data line (the API sends one): the lines are joined with LF, as the spec says.
    dataText = `${dataText.slice(dataStart, dataEnd)}\n${text.slice(start, end)}`
    dataStart = 0
    dataEnd = dataText.length
  }

  /** A line from `start` to `end` of `text`. */
  const processLine = (text: string, start: number, end: number) => {
    if (start === end) return dispatch()
    // Nearly every line is "data: …" or "event: …": decided without the general field parse.
    if (text.startsWith('data: ', start)) return addData(text, start + 6, end)
    if (text.startsWith('event:', start)) return
    const colon = text.indexOf(':', start)
    const fieldEnd = colon < 0 || colon > end ? end : colon
    if (fieldEnd - start !== 4 || !text.startsWith('data', start)) return // comments, event, id, retry, unknown
    let valueStart = fieldEnd === end ? end : fieldEnd + 1
    if (valueStart < end && text.charCodeAt(valueStart) === SPACE) valueStart++
    addData(text, valueStart, end)
  }

  const feed = (chunk: string, from: number) => {
    let start = from
    const length = chunk.length
    if (skipLF && start < length) {
      if (chunk.charCodeAt(start) === LF) start++
      skipLF = false
    }
    let nextLF = chunk.indexOf('\n', start)
    let nextCR = chunk.indexOf('\r', start)
    while (start < length) {
      if (paused) {
        held = chunk
        heldFrom = start
        return
      }
      if (tail === '' && dataText === undefined) {
        const taken = reader.run ? reader.run(chunk, start) : start
        if (taken > start) {
          start = taken
          continue
        }
        // The layout of nearly every other event, `event: <name>\n` then `data: <json>\n\n`,
        // taken in one step when no CR is left in the read.
        if (nextCR === -1) {
          const named = chunk.startsWith('event: ', start)
          // 0 when the event line is not whole in this read
          const data = named ? chunk.indexOf('\n', start) + 1 : start
          if ((data > start || !named) && chunk.startsWith('data: ', data)) {
            const dataEnd = chunk.indexOf('\n', data + 6)
            if (dataEnd !== -1 && chunk.charCodeAt(dataEnd + 1) === LF) {
              start = dataEnd + 2
              reader.event(chunk, data + 6, dataEnd)
              continue
            }
          }
        }
      }
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
    if (tail.length + (dataText === undefined ? 0 : dataEnd - dataStart) > maxEventSize) {
      throw new SseEventTooLargeError(`an upstream event exceeded ${maxEventSize} characters`)
    }
  }

  /** At end of stream a half-received event is discarded, as the spec says. */
  const end = () => {
    tail = ''
    dataText = undefined
  }

  return {
    /** Parses `chunk`, handing its events to `to`, until the end or a `pause`. */
    feed(chunk: string, to: SseReader): void {
      reader = to
      feed(chunk, 0)
    },
    /** Stops after the event being handed out: the rest of the read waits for `resume`. */
    pause(): void {
      paused = true
    },
    /** Parses what a `pause` held back, handing its events to `to`. */
    resume(to: SseReader): void {
      reader = to
      paused = false
      const chunk = held
      held = ''
      feed(chunk, heldFrom)
    },
    end,
  }
}

/**
 * Upstream bytes in, SSE events out: one streaming UTF-8 decoder (a character split across reads
 * survives; bad bytes become U+FFFD) feeding one parser. Each call hands the events it completes
 * to its own reader, so whoever holds the decoder (the first-event peek, then the mapper) gets
 * them; the peek pauses after the first event, and the mapper resumes with the rest of that read.
 */
export const createSseDecoder = ({ maxEventSize }: { maxEventSize: number }) => {
  const decoder = new TextDecoder()
  const parser = createSseParser({ maxEventSize })
  return {
    decode(bytes: Uint8Array, to: SseReader): void {
      parser.feed(decoder.decode(bytes, { stream: true }), to)
    },
    pause: parser.pause,
    resume: parser.resume,
    /** The events a final flush of the decoder completes; a half event left after them is discarded. */
    end(to: SseReader): void {
      parser.feed(decoder.decode(), to)
      parser.end()
    },
  }
}

export type SseDecoder = ReturnType<typeof createSseDecoder>
