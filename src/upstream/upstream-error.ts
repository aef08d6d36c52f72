import { OpenAIError, type OpenAIErrorType } from '../errors/openai-error.ts'

/** The HTTP status each Anthropic error type stands for, for errors that arrive inside a stream. */
const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
}

type Mapped = { status: number; type: OpenAIErrorType; code: string; message?: string }

const MAX_MESSAGE = 500

const cleanMessage = (message: string) =>
  message
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_MESSAGE)

const isPromptTooLong = (message: string) => /prompt is too long|context (window|length)|too many tokens/i.test(message)

/** Wire doc §4: what the client sees for each upstream status. */
const mapStatus = (status: number, anthropicType: string | undefined, message: string): Mapped => {
  switch (status) {
    case 400:
      return { status, type: 'invalid_request_error', code: isPromptTooLong(message) ? 'context_length_exceeded' : 'invalid_request_error' }
    case 401:
    case 403:
      return {
        status: 502,
        type: 'upstream_error',
        code: 'upstream_authentication_error',
        message: `The upstream rejected the gateway's credentials (check UPSTREAM_API_KEY): ${message}`,
      }
    case 402:
      return { status, type: 'billing_error', code: 'insufficient_quota' }
    case 404:
      return { status, type: 'invalid_request_error', code: 'model_not_found' }
    case 413:
      return { status, type: 'invalid_request_error', code: 'request_too_large' }
    case 429:
      return { status, type: 'rate_limit_error', code: 'rate_limit_exceeded' }
    case 500:
      return { status, type: 'server_error', code: 'api_error' }
    case 504:
      return { status, type: 'timeout_error', code: 'upstream_timeout' }
    case 529:
      return { status: 503, type: 'server_error', code: 'overloaded' }
    default:
      if (status >= 400 && status < 500) return { status, type: 'invalid_request_error', code: anthropicType ?? 'invalid_request_error' }
      return { status: 502, type: 'upstream_error', code: 'upstream_error' }
  }
}

/** Headers a client's retry logic reads; everything else from the upstream stays behind. */
const RETRY_HEADERS = ['retry-after', 'retry-after-ms'] as const

const parseErrorBody = (body: string): { type?: string; message?: string } => {
  try {
    const parsed = JSON.parse(body) as { error?: { type?: unknown; message?: unknown } }
    const type = typeof parsed?.error?.type === 'string' ? parsed.error.type : undefined
    const message = typeof parsed?.error?.message === 'string' ? parsed.error.message : undefined
    return { type, message }
  } catch {
    return {}
  }
}

/** An upstream non-2xx answer (status, at most 64 KiB of body, headers) → the client's error. */
export const toOpenAIErrorFromUpstream = (status: number, body: string, headers?: Headers): OpenAIError => {
  const parsed = parseErrorBody(body)
  const message = parsed.message ? cleanMessage(parsed.message) || `upstream returned ${status}` : `upstream returned ${status}`
  const mapped = mapStatus(status, parsed.type, message)
  const retryHeaders: Record<string, string> = {}
  for (const name of RETRY_HEADERS) {
    const value = headers?.get(name)
    if (value) retryHeaders[name] = value
  }
  const error = new OpenAIError({
    status: mapped.status,
    type: mapped.type,
    code: mapped.code,
    message: mapped.message ?? message,
    headers: retryHeaders,
  })
  if (mapped.status === status) error.anthropicType = parsed.type
  return error
}

/** An `error` event of the stream (`{type:"error", error:{type, message}}`) → the client's error. */
export const toOpenAIErrorFromEvent = (error: { type?: unknown; message?: unknown } | undefined): OpenAIError => {
  const anthropicType = typeof error?.type === 'string' ? error.type : 'api_error'
  const message = typeof error?.message === 'string' ? cleanMessage(error.message) : ''
  const status = STATUS_OF_TYPE[anthropicType] ?? 500
  return toOpenAIErrorFromUpstream(status, JSON.stringify({ error: { type: anthropicType, message: message || anthropicType } }))
}

export const upstreamTimeout = (seconds: number) =>
  new OpenAIError({
    status: 504,
    type: 'timeout_error',
    code: 'upstream_timeout',
    message: `The upstream sent nothing for ${seconds} s (UPSTREAM_TIMEOUT)`,
  })

export const upstreamUnreachable = (detail: string) =>
  new OpenAIError({ status: 502, type: 'upstream_error', code: 'upstream_unreachable', message: `The upstream could not be reached: ${detail}` })

export const upstreamBadResponse = (detail: string) =>
  new OpenAIError({
    status: 502,
    type: 'upstream_error',
    code: 'upstream_bad_response',
    message: `The upstream sent a response the gateway cannot read: ${detail}`,
  })

/** A redirect target fit for the log: no userinfo, query or fragment (they may carry credentials). */
const redactedLocation = (location: string | null, base: string) => {
  if (location === null) return 'none'
  try {
    const url = new URL(location, base)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return 'unparsable'
  }
}

/**
 * A 3xx from the upstream. Never followed: it would carry the upstream key and the prompt to
 * wherever Location points. The client is not told where; the log line is.
 */
export const upstreamRedirected = (status: number, location: string | null, requestUrl: string) => {
  const error = upstreamBadResponse(`a ${status} redirect, which the gateway does not follow (check UPSTREAM_API_URL)`)
  error.upstreamLocation = redactedLocation(location, requestUrl)
  return error
}

export const streamIncomplete = () =>
  new OpenAIError({ status: 502, type: 'upstream_error', code: 'stream_incomplete', message: 'The upstream ended the answer before it was complete' })

/** The client stopped taking the answer: it is cut, and logged as the client's doing (499). */
export const clientIdleTimeout = (seconds: number) =>
  new OpenAIError({
    status: 499,
    type: 'invalid_request_error',
    code: 'client_idle_timeout',
    message: `The client took nothing of the answer for ${seconds} s (CLIENT_IDLE_TIMEOUT)`,
  })

/** The client went away: nobody is left to answer (logged as 499, as nginx does). */
export const clientClosed = () =>
  new OpenAIError({ status: 499, type: 'invalid_request_error', code: 'client_closed', message: 'The client closed the request' })
