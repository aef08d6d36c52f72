import { Elysia, t } from 'elysia'
import type { ClientKey } from '../auth/client-keys.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import { getRequestContext } from '../http/request-context.ts'
import { limitsUnavailable } from '../limits/limit-answers.ts'
import type { LimitStore } from '../limits/limit-store.ts'
import { toUsageObject } from '../limits/to-usage-object.ts'

const JSON_HEADERS = { 'content-type': 'application/json' } as const

const notYours = () =>
  new OpenAIError({
    status: 403,
    type: 'invalid_request_error',
    code: 'usage_not_allowed',
    param: 'name',
    message: "A client key reads only its own usage; ADMIN_API_KEY reads any key's",
  })

const unknownName = (name: string) =>
  new OpenAIError({ status: 404, type: 'invalid_request_error', code: 'not_found', param: 'name', message: `No client key is named ${name}` })

/**
 * GET /v1/usage: a client key's own usage and remaining limits; with ADMIN_API_KEY, any key's
 * (`?name=`) or all of them (`{"object":"list","data":[…]}`). Reads the store only for keys
 * with limits.
 */
export const usageRoute = ({ keys, store }: { keys: readonly ClientKey[]; store: LimitStore | undefined }) => {
  const byName = new Map(keys.map((key) => [key.label, key]))
  const usageOf = async (key: ClientKey, now: number) => {
    if (key.limits === undefined || store === undefined) return toUsageObject(key, undefined, now)
    try {
      return toUsageObject(key, await store.read(key.label, now), now)
    } catch {
      throw limitsUnavailable()
    }
  }
  return new Elysia({ name: 'usage' }).get(
    '/v1/usage',
    async ({ request, query }) => {
      const context = getRequestContext(request)
      const now = Date.now()
      let body: unknown
      if (!context.admin) {
        const own = context.client as ClientKey
        if (query.name !== undefined && query.name !== own.label) throw notYours()
        body = await usageOf(own, now)
      } else if (query.name !== undefined) {
        const key = byName.get(query.name)
        if (!key) throw unknownName(query.name)
        body = await usageOf(key, now)
      } else {
        body = { object: 'list', data: await Promise.all(keys.map((key) => usageOf(key, now))) }
      }
      return new Response(JSON.stringify(body), { headers: JSON_HEADERS })
    },
    { query: t.Object({ name: t.Optional(t.String()) }) },
  )
}
