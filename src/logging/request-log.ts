import type { Logger } from './logger.ts'

/** Fields of the one JSON line written per request, at its very end (for a stream, when it ends). */
export type RequestLogFields = {
  request_id: string
  method: string
  path: string
  key_id?: string
  model?: string
  upstream_model?: string
  stream?: boolean
  status?: number
  upstream_status?: number
  /** The pool member that answered, and every member asked, in order (names only). */
  upstream?: string
  upstreams_tried?: string[]
  upstream_request_id?: string | null
  upstream_location?: string
  attempts?: number
  ttfb_ms?: number
  total_ms?: number
  prompt_tokens?: number
  completion_tokens?: number
  cache_read_tokens?: number
  cache_write_tokens?: number
  finish_reason?: string
  error_type?: string
  error_code?: string | null
  adjustments?: string[]
}

export class RequestLog {
  readonly fields: RequestLogFields
  readonly #started = performance.now()
  #written = false
  /** Streams write their line when they end, not when the route returns. */
  deferred = false
  /** Told once, after the line, that the request ended (a limited key settles its reservation here). */
  onEnd: ((fields: RequestLogFields) => void) | undefined

  constructor(
    private readonly log: Logger,
    fields: RequestLogFields,
    /** Told of every finished request (the metrics), after the line is complete. */
    private readonly onWritten?: (fields: RequestLogFields) => void,
  ) {
    this.fields = fields
  }

  noteError(error: { type: string; code: string | null; upstreamRequestId?: string | null; upstreamLocation?: string }) {
    this.fields.error_type = error.type
    this.fields.error_code = error.code
    if (error.upstreamRequestId) this.fields.upstream_request_id = error.upstreamRequestId
    if (error.upstreamLocation) this.fields.upstream_location = error.upstreamLocation
  }

  markFirstByte() {
    this.fields.ttfb_ms ??= Math.round(performance.now() - this.#started)
  }

  write(status: number) {
    if (this.#written) return
    this.#written = true
    this.fields.status ??= status
    this.fields.total_ms = Math.round(performance.now() - this.#started)
    this.onWritten?.(this.fields)
    this.onEnd?.(this.fields)
    const level = this.fields.status >= 500 ? 'warn' : 'info'
    if (level === 'info' && !this.log.enabled('info')) return
    this.log[level]({ msg: 'request', ...this.fields })
  }
}
