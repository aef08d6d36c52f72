import { upstreamBadResponse } from '../upstream/upstream-error.ts'

/**
 * The fields of an upstream block or delta that go into the client's JSON. One missing or of
 * another type is the upstream's fault (a 502, or one error chunk in a stream), never a
 * `"content":undefined` or an answer quietly missing its text.
 */
export const upstreamString = (holder: object, field: string): string => {
  const value = (holder as Record<string, unknown>)[field]
  if (typeof value !== 'string') throw upstreamBadResponse(`a ${describe(holder)} without a string ${field}`)
  return value
}

/** A tool_use block's input: the API always sends an object. */
export const upstreamToolInput = (block: object): Record<string, unknown> => {
  const input = (block as { input?: unknown }).input
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw upstreamBadResponse(`a ${describe(block)} whose input is not an object`)
  return input as Record<string, unknown>
}

/** A request with legacy `functions` asks for at most one call; more cannot be put in its answer. */
export const moreThanOneFunctionCall = (calls: number) =>
  upstreamBadResponse(`${calls} tool calls where the request's legacy functions allow one (disable_parallel_tool_use was set)`)

const describe = (holder: object) => {
  const type = (holder as { type?: unknown }).type
  return typeof type === 'string' ? type.slice(0, 64) : 'block'
}
