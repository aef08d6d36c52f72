// Decides what a client made of one gateway answer. Anything a client cannot act on with
// certainty — a hang, a cut without [DONE], a stream with neither finish_reason nor error,
// an error body that is not OpenAI-shaped, a 200 whose content is not what the upstream sent —
// is "unclear", and a soak must see none.

export type Outcome = 'success' | 'clear-error' | 'aborted' | 'unclear'

export interface Verdict {
  outcome: Outcome
  /** Why, for anything but a success. */
  detail?: string
  /** Seconds the answer told the client to wait before its next request (all upstreams out). */
  retryAfterS?: number
}

/** What a correct answer carries: the text and "stop", or the tool call's name and input and "tool_calls". */
export type Expected = { kind: 'text'; text: string } | { kind: 'tool'; name: string; input: unknown }

const finishReasonOf = (expected: Expected) => (expected.kind === 'text' ? 'stop' : 'tool_calls')

interface Choice {
  finish_reason?: string | null
  message?: { content?: string | null; tool_calls?: ToolCall[] }
  delta?: { content?: string | null; tool_calls?: ToolCall[] }
}
interface ToolCall {
  index?: number
  function?: { name?: string; arguments?: string }
}
interface Body {
  choices?: Choice[]
  error?: Record<string, unknown>
}

const unclear = (detail: string): Verdict => ({ outcome: 'unclear', detail })

/** `{"error":{"message","type","param","code"}}` with a message and a type. */
function isOpenAIError(body: unknown): boolean {
  const error = (body as Body | null)?.error
  return (
    typeof error === 'object' && error !== null && typeof error.message === 'string' && typeof error.type === 'string' && 'param' in error && 'code' in error
  )
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function sameContent(expected: Expected, text: string, toolName: string | undefined): boolean {
  if (expected.kind === 'text') return text === expected.text
  return toolName === expected.name && Bun.deepEquals(parseJson(text), expected.input)
}

/**
 * A non-stream answer, or a stream request answered before its stream began. `retryAfter` is its
 * header: "every upstream is out" is only clear with the time to come back.
 */
export function classifyJson(status: number, text: string, expected: Expected, retryAfter: string | null): Verdict {
  const body = parseJson(text) as Body | undefined
  if (status >= 400) {
    if (!isOpenAIError(body)) return unclear(`${status} without an OpenAI error body: ${text.slice(0, 120)}`)
    const code = body?.error?.code
    if (code !== 'all_upstreams_unavailable') return { outcome: 'clear-error', detail: `${status} ${code}` }
    if (!/^[1-9][0-9]*$/.test(retryAfter ?? '')) return unclear(`${status} ${code} with retry-after ${retryAfter}`)
    return { outcome: 'clear-error', detail: `${status} ${code}`, retryAfterS: Number(retryAfter) }
  }
  if (status !== 200) return unclear(`status ${status}`)
  const choice = body?.choices?.[0]
  if (choice?.finish_reason !== finishReasonOf(expected)) {
    return unclear(`200 with finish_reason ${choice?.finish_reason}: ${text.slice(0, 120)}`)
  }
  const call = choice.message?.tool_calls?.[0]?.function
  const content = expected.kind === 'text' ? (choice.message?.content ?? '') : (call?.arguments ?? '')
  return sameContent(expected, content, call?.name) ? { outcome: 'success' } : unclear("200 with content other than the upstream's")
}

/** The `data:` payloads of an SSE body; comments (heartbeats) are not events. */
function sseData(text: string): string[] {
  const out: string[] = []
  for (const event of text.replaceAll('\r\n', '\n').split('\n\n')) {
    const data = event
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
    if (data.length > 0) out.push(data.join('\n'))
  }
  return out
}

/** A 200 text/event-stream answer read to its end (`complete`), or until the connection broke. */
export function classifyStream(text: string, complete: boolean, expected: Expected): Verdict {
  const data = sseData(text)
  if (!complete) return unclear(`stream broke after ${data.length} events, without [DONE]`)
  if (data.at(-1) !== '[DONE]') return unclear(`stream ended without [DONE] after ${data.length} events`)
  const chunks = data.slice(0, -1).map((d) => parseJson(d) as Body | undefined)
  if (chunks.some((c) => c === undefined)) return unclear('stream has a data line that is not JSON')
  const last = chunks.at(-1)
  const finishes = chunks.filter((c) => c?.choices?.some((choice) => choice.finish_reason))
  if (last && 'error' in last) {
    if (!isOpenAIError(last)) return unclear(`stream error that is not OpenAI-shaped: ${JSON.stringify(last).slice(0, 120)}`)
    return finishes.length === 0 ? { outcome: 'clear-error', detail: `in stream ${last.error?.code}` } : unclear('stream has a finish_reason and then an error')
  }
  if (chunks.some((c) => c && 'error' in c)) return unclear('stream has an error chunk that is not its last')
  if (finishes.length !== 1) return unclear(`stream has ${finishes.length} chunks with a finish_reason`)
  const finishReason = finishes[0]!.choices!.find((choice) => choice.finish_reason)!.finish_reason
  if (finishReason !== finishReasonOf(expected)) return unclear(`stream with finish_reason ${finishReason}`)
  let content = ''
  let toolName: string | undefined
  for (const chunk of chunks) {
    const delta = chunk?.choices?.[0]?.delta
    if (expected.kind === 'text') content += delta?.content ?? ''
    for (const call of delta?.tool_calls ?? []) {
      toolName ??= call.function?.name
      content += call.function?.arguments ?? ''
    }
  }
  return sameContent(expected, content, toolName) ? { outcome: 'success' } : unclear("stream content other than the upstream's")
}
