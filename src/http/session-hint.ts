/** Headers clients use to name a conversation: our own, and Codex's (both spellings seen). */
const SESSION_HEADERS = ['x-session-id', 'session_id', 'session-id'] as const

const hintOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)

/**
 * The session a request belongs to, for sticky upstream choice (a prompt cache is per upstream
 * key): a field naming the conversation (`prompt_cache_key`), else a session header, else a field
 * naming the end user (`safety_identifier`, `user`, `metadata.user_id`). Undefined when none.
 */
export const sessionHint = (headers: Headers, conversation: readonly unknown[], user: readonly unknown[]): string | undefined => {
  for (const value of conversation) {
    const hint = hintOf(value)
    if (hint) return hint
  }
  for (const name of SESSION_HEADERS) {
    const hint = hintOf(headers.get(name))
    if (hint) return hint
  }
  for (const value of user) {
    const hint = hintOf(value)
    if (hint) return hint
  }
  return undefined
}
