import { createHash } from 'node:crypto'

/** The names the API takes for a tool (and OpenAI's own rule for function names). */
const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/
const NAMESPACE_SEPARATOR = '__'
const DIGEST_LENGTH = 8

/**
 * The upstream name of a client tool: its own name, or `namespace__name` for a tool inside a
 * namespace. A name the API would reject is made valid deterministically (other characters → `_`,
 * cut to fit, plus 8 hex of the original's SHA-256), so history items map to the same name as the
 * tool list. The answer maps back through the request's tool list (`toolNames`), never by parsing.
 */
export const toAnthropicToolName = (name: string, namespace?: string): string => {
  const joined = namespace === undefined ? name : `${namespace}${NAMESPACE_SEPARATOR}${name}`
  if (VALID_NAME.test(joined)) return joined
  const digest = createHash('sha256').update(joined).digest('hex').slice(0, DIGEST_LENGTH)
  return `${joined.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64 - DIGEST_LENGTH - 1)}_${digest}`
}
