/** The one error type every failure ends in: it knows its status and its OpenAI-shaped body. */
export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'rate_limit_error'
  /** OpenAI's types on its own 429s: which limit, or a spent quota. */
  | 'requests'
  | 'tokens'
  | 'insufficient_quota'
  | 'server_error'
  | 'timeout_error'
  | 'upstream_error'

export type OpenAIErrorInit = {
  status: number
  type: OpenAIErrorType
  code: string | null
  message: string
  param?: string | null
  headers?: Record<string, string>
}

export class OpenAIError extends Error {
  readonly status: number
  readonly type: OpenAIErrorType
  readonly code: string | null
  readonly param: string | null
  readonly headers: Record<string, string> | undefined
  /** The upstream's request-id when the error came from the upstream, for the log. */
  upstreamRequestId: string | null = null
  /** Where an upstream redirect pointed (no credentials, no query), for the log only. */
  upstreamLocation: string | undefined
  /** The upstream's own error type, kept for Anthropic-native clients when the status is unchanged. */
  anthropicType: string | undefined

  constructor(init: OpenAIErrorInit) {
    super(init.message)
    this.status = init.status
    this.type = init.type
    this.code = init.code
    this.param = init.param ?? null
    this.headers = init.headers
  }

  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } }
  }

  bodyText() {
    return JSON.stringify(this.toBody())
  }
}

export const invalidRequest = (message: string, param: string | null = null, code = 'invalid_value') =>
  new OpenAIError({ status: 400, type: 'invalid_request_error', code, message, param })

export const unsupported = (message: string, param: string) => invalidRequest(message, param, 'unsupported_parameter')

/** Why upstream requests were aborted when the gateway failed before its answer left (never sent to a client). */
export const gatewayFailed = () =>
  new OpenAIError({ status: 500, type: 'server_error', code: 'internal_error', message: 'The gateway failed before it could answer' })
