import type { OpenAIError } from './openai-error.ts'

/** Anthropic's error type for each status, for errors the gateway itself raises. */
const ANTHROPIC_TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
}

/** Routes whose clients speak Anthropic's API, and so expect its error shape (and may send x-api-key). */
export const isAnthropicRoute = (route: string) => route === '/v1/messages' || route.startsWith('/v1/messages/')

/** `{"type":"error","error":{"type","message"}}`, as the Messages API answers. */
export const toAnthropicErrorBody = (error: OpenAIError) => ({
  type: 'error',
  error: { type: error.anthropicType ?? ANTHROPIC_TYPE_BY_STATUS[error.status] ?? 'api_error', message: error.message },
})

/** The error's body text in the shape the route's clients read. */
export const errorBodyText = (error: OpenAIError, route: string) => (isAnthropicRoute(route) ? JSON.stringify(toAnthropicErrorBody(error)) : error.bodyText())
