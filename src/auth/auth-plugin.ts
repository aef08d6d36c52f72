import { Elysia } from 'elysia'
import { errorResponse, isAnthropicPath } from '../errors/error-response.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import { requestTooLarge } from '../http/read-json-body.ts'
import { getRequestContext, pathOf } from '../http/request-context.ts'
import type { KeyChecker } from './key-checker.ts'

const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health'])

const invalidApiKey = () =>
  new OpenAIError({
    status: 401,
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect or missing API key. Send it as Authorization: Bearer <key> (on /v1/messages also as x-api-key).',
  })

const presentedKey = (headers: Headers, path: string): string | null => {
  const authorization = headers.get('authorization')
  if (authorization !== null && authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === 'bearer ') {
    return authorization.slice(7).trim()
  }
  // Anthropic-native clients send their key as x-api-key.
  return isAnthropicPath(path) ? headers.get('x-api-key') : null
}

/**
 * Runs before the body is read: a wrong key is a 401 even with a 50 MiB or broken body, and a
 * body declared larger than MAX_BODY_BYTES is a 413 without reading it.
 */
export const authPlugin = ({ checkKey, maxBodyBytes }: { checkKey: KeyChecker; maxBodyBytes: number }) =>
  new Elysia({ name: 'auth-plugin' }).onRequest(function authenticate({ request, set }) {
    const path = pathOf(request.url)
    if (PUBLIC_PATHS.has(path) || request.method === 'OPTIONS') return
    const context = getRequestContext(request)
    const { log } = context
    const key = presentedKey(request.headers, path)
    const keyId = key ? checkKey(key) : null
    let failure: OpenAIError | undefined
    if (keyId === null) failure = invalidApiKey()
    else if (Number(request.headers.get('content-length')) > maxBodyBytes) failure = requestTooLarge(maxBodyBytes)
    if (keyId !== null) {
      log.fields.key_id = keyId
      context.keyId = keyId
    }
    if (!failure) return
    // Elysia runs neither afterHandle nor onError for an answer from onRequest: the line is written here.
    log.noteError(failure)
    log.write(failure.status)
    set.status = failure.status
    return errorResponse(failure, path, set.headers as Record<string, string>)
  })
