import type { StreamEvent } from '../anthropic/stream-events.ts'
import type { OpenAIError } from '../errors/openai-error.ts'
import { clientClosed, streamIncomplete, toOpenAIErrorFromEvent, upstreamBadResponse, upstreamTimeout } from '../upstream/upstream-error.ts'
import { KEEP_ALIVE_FRAME, PING_FRAME } from './chunk-frames.ts'
import { type RawDelta, readRawDelta } from './raw-delta.ts'
import { type SseDecoder, SseEventTooLargeError } from './sse-decoder.ts'

export type EventStageOptions = {
  heartbeatMs: number
  /** Upstream silence that ends the stream with `upstream_timeout` (any byte resets the clock). */
  idleTimeoutSeconds: number
  abortUpstream: (reason: OpenAIError) => void
  /** The decoder that already read the first event, with its state (a half line, half a character). */
  decoder: SseDecoder
  /** The first event, already read (and parsed) to decide the HTTP status before the 200. */
  first: StreamEvent | undefined
  /** The data of events that arrived in the same read as the first one. */
  pending: readonly string[]
}

/** What a mapper writes with; frames of one upstream read go out as one chunk at its end. */
export type StageOutput = {
  emit: (frame: string) => void
  /** Ends the stream now with the mapper's failure frames; a no-op once it has ended. */
  fail: (error: OpenAIError) => void
  /** The answer is complete: the stream closes after this read. */
  finish: () => void
  /**
   * The answer is complete, but its last frames wait for `last` (e.g. a store write); the next
   * upstream read waits with them. A rejection ends the stream with that error's failure frames.
   */
  finishAfter: (last: Promise<string>) => void
}

/** One output protocol's mapping of the upstream events; its state lives in its closure. */
export type EventMapper = {
  /** Frames written before the first event. */
  opening: () => string
  /** The hot path: a text, thinking or arguments delta, its string as a raw JSON literal. */
  rawDelta: (delta: RawDelta) => void
  /** Every other event but `ping` and `error`, which the stage handles. */
  event: (event: StreamEvent) => void
  /** The frames that end a stream failed after its 200. */
  failure: (error: OpenAIError) => string
  /** Told once, after the stream ended: undefined for a complete answer. */
  ended: (error: OpenAIError | undefined) => void
}

/**
 * Anthropic SSE bytes → a client protocol's frames, one stage for every protocol: decode, parse
 * (raw-delta fast path, else JSON) and map each read, then write its frames as one chunk.
 * Owns what every protocol shares: the heartbeat, UPSTREAM_TIMEOUT silence, a cut or unreadable
 * upstream, the client going away, and `abortWith` for a drain. Once the answer is complete the
 * stream closes, which also closes the upstream body: an upstream that keeps its connection open
 * after `message_stop` must not hold the client.
 */
export class UpstreamEventStage extends TransformStream<Uint8Array, string> {
  /** Ends the stream now with the mapper's failure frames (drain deadline); no-op once it has ended. */
  readonly abortWith: (error: OpenAIError) => void

  constructor(options: EventStageOptions, createMapper: (out: StageOutput) => EventMapper) {
    const { decoder } = options
    let ended = false
    let reported = false
    /** The readable side was closed (terminate), after an error or a complete answer. */
    let closed = false
    let closing: Promise<string> | undefined
    let heartbeat: ReturnType<typeof setTimeout> | undefined
    let idle: ReturnType<typeof setTimeout> | undefined
    let ctrl: TransformStreamDefaultController<string>
    /** Frames of the read being processed, written as one chunk at its end. */
    let out = ''

    const flushOut = () => {
      if (out === '') return
      ctrl.enqueue(out)
      out = ''
    }
    const close = () => {
      closed = true
      ctrl.terminate()
    }
    const report = (error: OpenAIError | undefined) => {
      if (reported) return
      reported = true
      // Not synchronously: the stream may end while it is still being constructed (a first event
      // that ends it), before its owner holds a reference to it.
      queueMicrotask(() => mapper.ended(error))
    }
    const stop = () => {
      ended = true
      clearTimeout(heartbeat)
      clearTimeout(idle)
    }

    const fail = (error: OpenAIError) => {
      if (ended) return
      stop()
      out += mapper.failure(error)
      report(error)
      flushOut()
      close()
    }

    const mapper = createMapper({
      emit: (frame) => {
        out += frame
      },
      fail,
      finish: () => {
        if (ended) return
        stop()
        report(undefined)
      },
      finishAfter: (last) => {
        if (ended) return
        stop()
        closing = last
      },
    })

    /** What ends each read: its frames, then the close of a finished stream (after `closing`, if any). */
    const endRead = (): Promise<void> | undefined => {
      flushOut()
      if (!ended || closed) return undefined
      const last = closing
      if (!last) {
        close()
        return undefined
      }
      closing = undefined
      return last.then(
        (frames) => {
          if (closed) return
          ctrl.enqueue(frames)
          report(undefined)
          close()
        },
        (error: OpenAIError) => {
          if (closed) return
          ctrl.enqueue(mapper.failure(error))
          report(error)
          close()
        },
      )
    }

    /**
     * Pings and errors mean the same in every protocol: a comment line, and the end of the stream.
     * An event with a known type but not its documented shape is the upstream's fault, not a crash.
     */
    const mapEvent = (event: StreamEvent) => {
      try {
        if (event.type === 'ping') out += PING_FRAME
        else if (event.type === 'error') fail(toOpenAIErrorFromEvent(event.error))
        else mapper.event(event)
      } catch {
        fail(upstreamBadResponse(`a ${String(event.type)} event of an unexpected shape`))
      }
    }

    /** One event's data, `text.slice(start, end)`; nothing after the stream has ended. */
    const onSseEvent = (text: string, start: number, end: number) => {
      if (ended) return
      const raw = readRawDelta(text, start, end)
      if (raw) return mapper.rawDelta(raw)
      let event: StreamEvent
      try {
        event = JSON.parse(text.slice(start, end))
      } catch {
        return fail(upstreamBadResponse('an event was not JSON'))
      }
      if (typeof event !== 'object' || event === null) return fail(upstreamBadResponse('an event was not an object'))
      mapEvent(event)
    }

    const timeOut = () => {
      const error = upstreamTimeout(options.idleTimeoutSeconds)
      fail(error)
      options.abortUpstream(error)
    }

    const beat = () => {
      if (ended) return
      out += KEEP_ALIVE_FRAME
      flushOut()
      heartbeat?.refresh()
    }

    super({
      start(controller) {
        ctrl = controller
        out += mapper.opening()
        if (options.heartbeatMs > 0) heartbeat = setTimeout(beat, options.heartbeatMs)
        idle = setTimeout(timeOut, options.idleTimeoutSeconds * 1000)
        if (options.first) mapEvent(options.first)
        for (const data of options.pending) onSseEvent(data, 0, data.length)
        return endRead()
      },
      transform(bytes) {
        if (ended) return
        heartbeat?.refresh()
        idle?.refresh()
        try {
          decoder.decode(bytes, onSseEvent)
        } catch (error) {
          // Only the parser's own refusal is the upstream's fault; anything else is ours and rethrown.
          if (!(error instanceof SseEventTooLargeError)) throw error
          return fail(upstreamBadResponse(error.message))
        }
        return endRead()
      },
      flush() {
        if (ended) return
        try {
          decoder.end(onSseEvent)
        } catch {
          // a half event at the end is discarded either way
        }
        if (!ended) fail(streamIncomplete())
        return endRead()
      },
      // Called when the client goes away (WHATWG Streams `transformer.cancel`, Bun ≥ 1.2; not in bun-types yet).
      cancel() {
        stop()
        closed = true
        report(clientClosed())
      },
    } as Transformer<Uint8Array, string>)
    this.abortWith = fail
  }
}
