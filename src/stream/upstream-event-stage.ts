import type { StreamEvent } from '../anthropic/stream-events.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import type { PaceLimits } from '../upstream/paced-body.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'
import { clientClosed, streamIncomplete, toOpenAIErrorFromEvent, upstreamBadResponse } from '../upstream/upstream-error.ts'
import { watchWaits } from '../upstream/wait-watch.ts'
import { KEEP_ALIVE_FRAME, PING_FRAME } from './chunk-frames.ts'
import { type RawDelta, readDeltaRun, readRawDelta } from './raw-delta.ts'
import { type SseDecoder, SseEventTooLargeError, type SseReader } from './sse-decoder.ts'

const internalStreamError = (error: unknown) =>
  new OpenAIError({
    status: 500,
    type: 'server_error',
    code: 'internal_error',
    message: `The gateway failed while relaying the answer (${error instanceof Error ? error.name : 'error'})`,
  })

export type EventStageOptions = {
  heartbeatMs: number
  /**
   * The decoder that already read the first event, paused after it: the rest of that read, then
   * its state (a half line, half a character), are the stage's.
   */
  decoder: SseDecoder
  /** The first event, already read (and parsed) to decide the HTTP status before the 200. */
  first: StreamEvent | undefined
  /** The upstream answer and the rest of its body, which the stage reads as the client takes its frames. */
  reply: UpstreamReply
  body: ReadableStream<Uint8Array>
  /** UPSTREAM_TIMEOUT for the upstream's silence, CLIENT_IDLE_TIMEOUT for a client that takes nothing. */
  limits: PaceLimits
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
  /** The hot path: a text, thinking or arguments delta (or a run of them), its string as written in the JSON. */
  rawDelta: (delta: RawDelta) => void
  /** Every other event but `ping` and `error`, which the stage handles. */
  event: (event: StreamEvent) => void
  /** Writes what the mapper holds back to join (wire doc §3.5); called before a read's frames leave. */
  flush?: () => void
  /** The frames that end a stream failed after its 200. */
  failure: (error: OpenAIError) => string
  /** Told once, after the stream ended: undefined for a complete answer. */
  ended: (error: OpenAIError | undefined) => void
}

/**
 * Anthropic SSE bytes → a client protocol's frames, one stage for every protocol: read the
 * upstream body, decode, parse (raw-delta fast path, else JSON) and map each read, then write its
 * frames as one chunk. The output is a Bun direct stream: each read's chunk is written straight to
 * the client's socket, and the next upstream read waits until the socket has taken it, so a paused
 * client holds the upstream back without a queue in between. Owns what every protocol shares: the
 * heartbeat, UPSTREAM_TIMEOUT silence and CLIENT_IDLE_TIMEOUT idleness (timed apart, see
 * watchWaits), a cut or unreadable upstream, the client going away, and `abortWith` for a drain.
 * Once the answer is complete the stream closes, which also closes the upstream body: an upstream
 * that keeps its connection open after `message_stop` must not hold the client.
 */
export class UpstreamEventStage {
  /** The client's frames, as UTF-8 chunks when read with a reader (n > 1 choices are merged so). */
  readonly readable: ReadableStream<Uint8Array>
  /** Ends the stream now with the mapper's failure frames (drain deadline); no-op once it has ended. */
  readonly abortWith: (error: OpenAIError) => void

  constructor(options: EventStageOptions, createMapper: (out: StageOutput) => EventMapper) {
    const { decoder, reply, body } = options
    let ended = false
    let reported = false
    /** Nothing more is written: after an error, a complete answer, or the client leaving. */
    let closed = false
    /** The client left or stopped reading: its stream is neither written nor closed any more. */
    let dropped = false
    let closing: Promise<string> | undefined
    let heartbeat: ReturnType<typeof setTimeout> | undefined
    let sink: ReadableStreamDirectController | undefined
    /** The socket has not taken everything written yet: the next upstream read waits for it. */
    let draining: Promise<unknown> | undefined
    /** Resolves once the stage is closed, so that no wait outlives it. */
    const { promise: whenClosed, resolve: wakeClosed } = Promise.withResolvers<void>()
    /** Resolves when the client's stream is cancelled (the client left, or its dropped connection closed). */
    const { promise: whenGone, resolve: gone } = Promise.withResolvers<void>()
    /** Resolves at the client's first pull: frames mapped before it wait in `out`. */
    const { promise: hasSink, resolve: sinkReady } = Promise.withResolvers<void>()
    /** Frames of the read being processed, written as one chunk at its end (or before the first pull). */
    let out = ''

    const write = (text: string) => {
      if (!sink || dropped) return
      // A pending promise: the socket's buffer is full, and resolves once it has drained.
      const written = sink.write(text)
      if (written instanceof Promise) draining = written
      else sink.flush()
    }
    const flushOut = () => {
      mapper.flush?.()
      if (out === '' || !sink) return
      write(out)
      out = ''
    }
    /** The upstream is done or not wanted any more; an answer already whole loses nothing. */
    const releaseUpstream = () => {
      ;(reader ?? body).cancel().catch(() => {})
    }
    const close = () => {
      if (closed) return
      closed = true
      wakeClosed()
      releaseUpstream()
      if (sink && !dropped) sink.close()
    }
    /** The client is gone (or took nothing for CLIENT_IDLE_TIMEOUT): stop at once, write nothing more. */
    const drop = () => {
      dropped = true
      closed = true
      wakeClosed()
      releaseUpstream()
    }
    const report = (error: OpenAIError | undefined) => {
      if (reported) return
      reported = true
      waits.stop()
      // Not synchronously: the stream may end while it is still being constructed (a first event
      // that ends it), before its owner holds a reference to it.
      queueMicrotask(() => mapper.ended(error))
    }
    const stop = () => {
      ended = true
      clearTimeout(heartbeat)
    }

    const fail = (error: OpenAIError) => {
      if (ended) return
      stop()
      if (error.status === 499) {
        // The client's doing (it stopped reading): the stream is not closed, since a close would
        // write the end of a whole answer; the route drops the connection instead.
        report(error)
        drop()
        return
      }
      mapper.flush?.()
      out += mapper.failure(error)
      report(error)
      flushOut()
      close()
    }

    const waits = watchWaits(reply, options.limits.idleTimeoutSeconds, { seconds: options.limits.clientIdleSeconds, onIdle: fail })

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
    const endRead = async () => {
      flushOut()
      if (!ended || closed) return
      const last = closing
      closing = undefined
      if (last) {
        try {
          const frames = await last
          if (closed) return
          out += frames
          report(undefined)
        } catch (error) {
          if (closed) return
          out += mapper.failure(error as OpenAIError)
          report(error as OpenAIError)
        }
        flushOut()
      }
      close()
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
      } catch (error) {
        fail(error instanceof OpenAIError ? error : upstreamBadResponse(`a ${String(event.type)} event of an unexpected shape`))
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

    /** A run of deltas of one block, taken whole from the read (see readDeltaRun). */
    const takeRun = (text: string, start: number) => {
      if (ended) return start
      const run = readDeltaRun(text, start)
      if (!run) return start
      mapper.rawDelta(run)
      return run.end
    }
    const sseReader: SseReader = { event: onSseEvent, run: takeRun }

    /** Only the parser's own refusal is the upstream's fault; anything else is ours and rethrown. */
    const parseFailed = (error: unknown) => {
      if (!(error instanceof SseEventTooLargeError)) throw error
      fail(upstreamBadResponse(error.message))
    }
    const onRead = (bytes: Uint8Array) => {
      heartbeat?.refresh()
      try {
        decoder.decode(bytes, sseReader)
      } catch (error) {
        parseFailed(error)
      }
    }

    const onUpstreamEnd = () => {
      const fired = waits.fired()
      if (fired) return fail(fired)
      try {
        decoder.end(sseReader)
      } catch {
        // a half event at the end is discarded either way
      }
      if (!ended) fail(streamIncomplete())
    }

    const beat = () => {
      if (ended) return
      out += KEEP_ALIVE_FRAME
      flushOut()
      heartbeat?.refresh()
    }

    let reader: ReturnType<typeof body.getReader> | undefined
    /** Reads the upstream one chunk at a time, each only once the client has taken the last. */
    const relay = async () => {
      const upstream = body.getReader()
      reader = upstream
      let first = true
      while (!ended) {
        // One read may run ahead of the client's first pull; after it, the client sets the pace.
        const wait = !first && !sink ? hasSink : draining
        first = false
        if (wait) {
          // The wait is the client's now (CLIENT_IDLE_TIMEOUT), not the upstream's.
          waits.handedOn()
          await Promise.race([wait, whenClosed])
          draining = undefined
          if (closed) return
        }
        waits.reading()
        let read: Awaited<ReturnType<typeof upstream.read>>
        try {
          read = await upstream.read()
        } catch (error) {
          fail(waits.faultOf(error))
          break
        }
        if (ended) break
        if (read.done) onUpstreamEnd()
        else onRead(read.value)
        await endRead()
      }
      await endRead()
    }

    this.readable = new ReadableStream<Uint8Array>({
      type: 'direct',
      async pull(controller) {
        sink = controller
        sinkReady()
        // What was mapped before this first pull (the opening, the first events, a drain's frames).
        flushOut()
        if (closed) {
          if (!dropped) controller.close()
          return
        }
        await whenClosed
        // A dropped client's stream must not end as if whole, which a settled pull would do.
        if (dropped) await whenGone
      },
      cancel() {
        // The client went away: the upstream request ends with it.
        stop()
        report(clientClosed())
        drop()
        gone()
      },
    })
    out += mapper.opening()
    if (options.heartbeatMs > 0) heartbeat = setTimeout(beat, options.heartbeatMs)
    if (options.first) mapEvent(options.first)
    try {
      decoder.resume(sseReader)
    } catch (error) {
      parseFailed(error)
    }
    // A mapping bug must not pass for an upstream fault, nor leave the stream open.
    relay().catch((error: unknown) => fail(internalStreamError(error)))
    this.abortWith = fail
  }
}
