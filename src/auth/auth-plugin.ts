import { Elysia } from 'elysia'
import { isAnthropicRoute } from '../errors/error-response.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import { requestTooLarge } from '../http/read-json-body.ts'
import { getRequestContext } from '../http/request-context.ts'
import type { KeyChecker } from './key-checker.ts'

const invalidApiKey = () =>
  new OpenAIError({
    status: 401,
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect or missing API key. Send it as Authorization: Bearer <key> (on /v1/messages also as x-api-key).',
  })

const presentedKey = (headers: Headers, route: string): string | null => {
  const authorization = headers.get('authorization')
  if (authorization !== null && authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === 'bearer ') {
    return authorization.slice(7).trim()
  }
  // Anthropic-native clients send their key as x-api-key.
  return isAnthropicRoute(route) ? headers.get('x-api-key') : null
}

export type AuthOptions = {
  checkKey: KeyChecker
  maxBodyBytes: number
  /** Routes (as the router names them) that need no key; every other route needs one. */
  openRoutes: ReadonlySet<string>
  /** Routes that ADMIN_API_KEY may also call, and its checker (absent without ADMIN_API_KEY). */
  adminRoutes: ReadonlySet<string>
  checkAdmin?: KeyChecker
}

/**
 * Deny by default, decided on the route the router chose (never on a path read a second way, which
 * could disagree with it): every route not in `openRoutes` needs a client key. The check runs as the
 * first parser, so a wrong key is a 401 and a body declared larger than MAX_BODY_BYTES a 413 before
 * any byte of the body is read; routes without a body are checked before their handler. The log
 * line names the same route.
 */
export const authPlugin = ({ checkKey, maxBodyBytes, openRoutes, adminRoutes, checkAdmin }: AuthOptions) => {
  const admit = ({ request, route }: { request: Request; route: string }) => {
    const context = getRequestContext(request)
    context.log.fields.path = route
    if (context.keyId !== undefined || context.admin || openRoutes.has(route)) return
    const key = presentedKey(request.headers, route)
    if (key && checkAdmin && adminRoutes.has(route) && checkAdmin(key)) {
      context.admin = true
      context.log.fields.key_id = 'admin'
      return
    }
    const client = key ? checkKey(key) : null
    if (client === null) throw invalidApiKey()
    context.client = client
    context.keyId = client.label
    context.log.fields.key_id = client.label
    if (Number(request.headers.get('content-length')) > maxBodyBytes) throw requestTooLarge(maxBodyBytes)
  }
  return (
    new Elysia({ name: 'auth-plugin' })
      // Destructured, not passed whole: Elysia reads which context fields a hook uses from its
      // parameters, and a whole context makes every route parse cookies and the query too.
      .onParse({ as: 'global' }, function admitBeforeBody({ request, route }) {
        admit({ request, route })
      })
      .onBeforeHandle({ as: 'global' }, function admitBeforeHandler({ request, route }) {
        admit({ request, route })
      })
  )
}
