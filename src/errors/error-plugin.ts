import { Elysia, ValidationError } from 'elysia'
import { findRequestContext } from '../http/request-context.ts'
import type { Logger } from '../logging/logger.ts'
import { errorBodyText } from './error-response.ts'
import { OpenAIError } from './openai-error.ts'
import { describeValidationError } from './to-openai-param.ts'

/**
 * Routes the gateway serves, as the router names them, with their methods: a known path with
 * another method is a 405. `:name` stands for one path segment, a final `/*` for everything under it.
 */
export type RouteTable = ReadonlyMap<string, readonly string[]>

/** Whether `path` is one of `route`'s: `:name` stands for one segment, a final `*` for the rest. */
const routeHas = (route: string, path: string) => {
  if (route.endsWith('/*')) return path.startsWith(route.slice(0, -1))
  const want = route.split('/')
  const got = path.split('/')
  return want.length === got.length && want.every((segment, i) => segment === got[i] || (segment.startsWith(':') && got[i] !== ''))
}

/** The methods a path allows, or undefined when no route has it (only read on a 404, never per request). */
const allowedMethods = (routes: RouteTable, path: string) => {
  const exact = routes.get(path)
  if (exact) return exact
  for (const [route, methods] of routes) if (routeHas(route, path)) return methods
  return undefined
}

const notFound = (path: string) => new OpenAIError({ status: 404, type: 'invalid_request_error', code: 'not_found', message: `Unknown route ${path}` })

const methodNotAllowed = (method: string, path: string, allowed: readonly string[]) =>
  new OpenAIError({
    status: 405,
    type: 'invalid_request_error',
    code: 'method_not_allowed',
    message: `${method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
    headers: { allow: allowed.join(', ') },
  })

const internalError = (requestId: string) =>
  new OpenAIError({
    status: 500,
    type: 'server_error',
    code: 'internal_error',
    message: `The gateway failed on this request; quote request id ${requestId} when reporting it`,
  })

/**
 * Every failure ends as an OpenAIError: validation → 400 (not Elysia's 422) naming the field,
 * unknown route → 404, wrong method → 405, anything unexpected → 500 with only the request id
 * (the stack goes to the log, once, never to the client).
 */
export const errorPlugin = ({ routes, log }: { routes: RouteTable; log: Logger }) =>
  new Elysia({ name: 'error-plugin' }).onError({ as: 'global' }, function toOpenAIErrorResponse({ code, error, request, path, route, set }) {
    const context = findRequestContext(request)
    // The route the router chose; with none, the path its 404 was decided on.
    const served = route || path
    if (context && !context.log.fields.path) context.log.fields.path = served
    const requestId = context?.requestId ?? ''
    let failure: OpenAIError
    // Elysia wraps whatever a route's parser throws in a ParseError, with the original as its cause.
    const cause = (error as { cause?: unknown }).cause
    if (error instanceof OpenAIError) failure = error
    else if (code === 'PARSE' && cause instanceof OpenAIError) failure = cause
    else if (code === 'VALIDATION' && error instanceof ValidationError) {
      const { param, message } = describeValidationError(error.valueError)
      failure = new OpenAIError({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param, message })
    } else if (code === 'PARSE') {
      failure = new OpenAIError({ status: 400, type: 'invalid_request_error', code: 'invalid_json', message: 'The body is not valid JSON' })
    } else if (code === 'NOT_FOUND') {
      const allowed = allowedMethods(routes, path)
      failure = allowed ? methodNotAllowed(request.method, path, allowed) : notFound(path)
    } else {
      log.error({ msg: 'unhandled error', request_id: requestId, error: error instanceof Error ? error.stack : String(error) })
      failure = internalError(requestId)
    }
    context?.log.noteError(failure)
    context?.log.write(failure.status)
    set.status = failure.status
    // A route may have moved the id into its own headers (see startHeaders) before it failed.
    if (context) set.headers['x-request-id'] = requestId
    // A failing upstream answer is named too (the request-id noted from it, or from its error).
    const upstreamRequestId = context?.log.fields.upstream_request_id
    if (upstreamRequestId) set.headers['x-upstream-request-id'] = upstreamRequestId
    if (context?.limitHeaders) Object.assign(set.headers, context.limitHeaders)
    Object.assign(set.headers, failure.headers)
    set.headers['content-type'] = 'application/json'
    return errorBodyText(failure, served)
  })
