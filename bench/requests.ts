// What the benchmark sends to each kind of target, and what a correct answer looks like.
// The gateway speaks OpenAI Chat Completions; the bare proxy and the floors take Anthropic
// Messages, so they get the equivalent Anthropic request. The mapper floor answers streams in
// OpenAI chunks.

import type { Mode } from './cell.ts'
import type { RequestSpec } from './load.ts'
import type { Service } from './targets.ts'

export type TargetKind = 'bare' | 'gateway' | 'floor-transform' | 'floor-mapper'

const MODEL = 'claude-sonnet-4-5'
const MESSAGES = [{ role: 'user', content: 'Say hello' }]
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }

export function requestSpec(kind: TargetKind, target: Service, mode: Mode): RequestSpec {
  const stream = mode === 'stream' ? { stream: true } : {}
  if (kind === 'gateway') {
    return {
      url: `${target.url}/v1/chat/completions`,
      body: JSON.stringify({ model: MODEL, messages: MESSAGES, max_tokens: 512, ...stream }),
      headers: HEADERS,
    }
  }
  return {
    url: `${target.url}/v1/messages`,
    body: JSON.stringify({ model: MODEL, max_tokens: 512, messages: MESSAGES, ...stream }),
    headers: HEADERS,
  }
}

function looksRight(kind: TargetKind, mode: Mode, text: string): boolean {
  if (mode === 'stream') {
    const end = text.trimEnd()
    return kind === 'gateway' || kind === 'floor-mapper'
      ? end.endsWith('data: [DONE]') && text.includes('"finish_reason":"stop"')
      : end.endsWith('data: {"type":"message_stop"}')
  }
  const json = JSON.parse(text) as { choices?: { message?: { content?: string } }[]; content?: unknown[] }
  return kind === 'gateway' ? Boolean(json.choices?.[0]?.message?.content) : Boolean(json.content?.length)
}

/** Why one answer is wrong, or undefined when it is right; run once before a target is loaded. */
export async function checkAnswer(kind: TargetKind, mode: Mode, spec: RequestSpec): Promise<string | undefined> {
  try {
    const res = await fetch(spec.url, {
      method: 'POST',
      body: spec.body,
      headers: spec.headers,
      signal: AbortSignal.timeout(10_000),
    })
    const text = await res.text()
    if (res.status !== 200) return `${mode} answered ${res.status}: ${text.slice(0, 200)}`
    return looksRight(kind, mode, text) ? undefined : `${mode} answer is not what a client expects: ${text.slice(0, 200)}`
  } catch (e) {
    return `${mode} request failed: ${e}`
  }
}
