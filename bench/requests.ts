// What the benchmark sends to each kind of target, and what a correct answer looks like.
// The gateway speaks OpenAI Chat Completions (and the Responses API); the bare proxy and the floors
// take Anthropic Messages, so they get the equivalent Anthropic request. The mapper floor answers
// streams in OpenAI chunks.

import type { Mode } from './cell.ts'
import type { RequestSpec } from './load.ts'
import type { Service } from './targets.ts'

/**
 * `gateway-responses`: the gateway's `/v1/responses`; `gateway-limited`: Chat Completions with a
 * key that has limits (CLIENT_KEYS_JSON), so that every request is counted.
 */
export type TargetKind = 'bare' | 'gateway' | 'gateway-responses' | 'gateway-responses-stored' | 'gateway-limited' | 'floor-transform' | 'floor-mapper'

const MODEL = 'claude-sonnet-4-5'
const PROMPT = 'Say hello'
const MESSAGES = [{ role: 'user', content: PROMPT }]
const KEY = 'sk-bench'
/** The one key of CLIENT_KEYS_JSON in the limited-key scenario. */
export const LIMITED_KEY = 'sk-bench-limited'

const headers = (key: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` })

function spec(target: Service, path: string, body: object, key = KEY): RequestSpec {
  return { url: `${target.url}${path}`, body: JSON.stringify(body), headers: headers(key) }
}

export function requestSpec(kind: TargetKind, target: Service, mode: Mode): RequestSpec {
  const stream = mode === 'stream' ? { stream: true } : {}
  const chat = { model: MODEL, messages: MESSAGES, max_tokens: 512, ...stream }
  switch (kind) {
    case 'gateway':
      return spec(target, '/v1/chat/completions', chat)
    case 'gateway-limited':
      return spec(target, '/v1/chat/completions', chat, LIMITED_KEY)
    // As Codex CLI sends it (store: false): the mapping's cost per event, comparable with chat's.
    case 'gateway-responses':
      return spec(target, '/v1/responses', { model: MODEL, input: PROMPT, max_output_tokens: 512, store: false, ...stream })
    // The API's default (store: true): one store write per answer on top.
    case 'gateway-responses-stored':
      return spec(target, '/v1/responses', { model: MODEL, input: PROMPT, max_output_tokens: 512, ...stream })
    default:
      return spec(target, '/v1/messages', { model: MODEL, max_tokens: 512, messages: MESSAGES, ...stream })
  }
}

/** The last SSE frame of a stream, without its trailing blank line. */
const lastFrame = (text: string) => text.trimEnd().split('\n\n').at(-1) ?? ''

function looksRight(kind: TargetKind, mode: Mode, text: string): boolean {
  if (mode === 'stream') {
    switch (kind) {
      case 'gateway-responses':
      case 'gateway-responses-stored':
        return lastFrame(text).startsWith('event: response.completed\n')
      case 'bare':
      case 'floor-transform':
        return lastFrame(text).endsWith('data: {"type":"message_stop"}')
      default:
        return lastFrame(text).endsWith('data: [DONE]') && text.includes('"finish_reason":"stop"')
    }
  }
  const json = JSON.parse(text) as { choices?: { message?: { content?: string } }[]; content?: unknown[]; status?: string }
  switch (kind) {
    case 'gateway-responses':
    case 'gateway-responses-stored':
      return json.status === 'completed'
    case 'gateway':
    case 'gateway-limited':
      return Boolean(json.choices?.[0]?.message?.content)
    default:
      return Boolean(json.content?.length)
  }
}

/** A limited key's answers carry OpenAI's rate-limit headers: without them no limit was applied. */
const LIMIT_HEADER = 'x-ratelimit-limit-requests'

/** Why one answer is wrong, or undefined when it is right; run once before a target is loaded. */
export async function checkAnswer(kind: TargetKind, mode: Mode, spec: RequestSpec): Promise<string | undefined> {
  const path = new URL(spec.url).pathname
  try {
    const res = await fetch(spec.url, {
      method: 'POST',
      body: spec.body,
      headers: spec.headers,
      signal: AbortSignal.timeout(10_000),
    })
    const text = await res.text()
    if (res.status !== 200) return `${path} answered ${res.status} (${mode}): ${text.slice(0, 200)}`
    if (kind === 'gateway-limited' && !res.headers.has(LIMIT_HEADER)) return `${path} answered the limited key without ${LIMIT_HEADER}: no limit applied`
    return looksRight(kind, mode, text) ? undefined : `${path} ${mode} answer is not what a client expects: ${text.slice(0, 200)}`
  } catch (e) {
    return `${path} ${mode} request failed: ${e}`
  }
}
