import { invalidRequest } from '../errors/openai-error.ts'

const DEFAULT_LIMIT = 20
const MAX_LIMIT = 100

type Query = Record<string, string | undefined>

const toLimit = (raw: string | undefined) => {
  if (raw === undefined) return DEFAULT_LIMIT
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw invalidRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`, 'limit')
  return limit
}

const toOrder = (raw: string | undefined) => {
  if (raw === undefined || raw === 'desc') return 'desc'
  if (raw === 'asc') return 'asc'
  throw invalidRequest('order must be "asc" or "desc"', 'order')
}

/**
 * GET /v1/responses/{id}/input_items: a cursor page of the response's input items, newest first
 * unless `order=asc`; `after` is the id of the last item of the previous page.
 */
export const toInputItemsPage = <T extends { id: string }>(items: readonly T[], query: Query) => {
  const limit = toLimit(query.limit)
  const ordered = toOrder(query.order) === 'asc' ? items : [...items].reverse()
  let start = 0
  if (query.after !== undefined) {
    const at = ordered.findIndex((item) => item.id === query.after)
    if (at < 0) throw invalidRequest(`No input item with id '${query.after}' in this response`, 'after')
    start = at + 1
  }
  const data = ordered.slice(start, start + limit)
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < ordered.length,
  }
}
