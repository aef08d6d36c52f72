import type { ClientKey } from '../auth/client-keys.ts'
import type { RequestLog } from '../logging/request-log.ts'

/** Per-request facts set on arrival (before the body is read) and used by the route and the log. */
export type RequestContext = {
  requestId: string
  log: RequestLog
  /** The client key's label (its name, else its id), once the auth plugin admitted the key (never the key itself). */
  keyId?: string
  /** The admitted key's settings. */
  client?: ClientKey
  /** ADMIN_API_KEY was presented, on a route that takes it. */
  admin?: boolean
  /** x-ratelimit-* of an admitted limited key, on every answer (the error plugin adds them too). */
  limitHeaders?: Record<string, string>
}

const contexts = new WeakMap<Request, RequestContext>()

export const setRequestContext = (request: Request, context: RequestContext) => contexts.set(request, context)

export const findRequestContext = (request: Request): RequestContext | undefined => contexts.get(request)

export const getRequestContext = (request: Request): RequestContext => {
  const context = contexts.get(request)
  if (!context) throw new Error('request context missing: the request plugin must be registered first')
  return context
}
