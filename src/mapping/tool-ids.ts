import { createHash } from 'node:crypto'

const VALID_ID = /^[a-zA-Z0-9_-]+$/

/**
 * The API only takes `^[a-zA-Z0-9_-]+$` as a tool id. Other ids are rewritten deterministically
 * (invalid characters → `_`, plus 8 hex of the original's SHA-256, so two ids never collide), and
 * the same function serves `tool_calls[].id` and `tool_call_id`, so pairs stay matched.
 */
export const toAnthropicToolId = (id: string): string => {
  if (VALID_ID.test(id)) return id
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 8)
  return `${id.replace(/[^a-zA-Z0-9_-]/g, '_')}_${digest}`
}
