// The soak's request mix: healthy requests, upstream faults, client mistakes and client aborts,
// each drawn at random, sent to the gateway and judged by classify.ts.

import { answerTexts, TOOL_NAME, toolInput } from './anthropic-bodies.ts'
import { classifyJson, classifyStream, type Expected, type Verdict } from './classify.ts'
import type { FaultKind } from './faults.ts'

export interface Scenario {
  stream: boolean
  tools: boolean
  fault?: FaultKind
  mistake?: 'bad-auth' | 'bad-json'
  /** The client gives up this long after sending. */
  abortAfterMs?: number
}

// Shares of all requests. A stall holds its client for seconds (the gateway's timeout, maybe
// with retries), so it is rarer than the other faults or it would crowd them out.
const SHARES = {
  stream: 0.5,
  tools: 0.2,
  mistake: 0.04,
  faults: { overloaded: 0.04, 'sse-error': 0.04, cut: 0.04, stall: 0.01 } satisfies Record<FaultKind, number>,
  abort: 0.15,
}
// Client aborts land anywhere from before the answer to after a stream's end (~250 ms here).
const ABORT_WITHIN_MS = 300

export function drawScenario(): Scenario {
  const scenario: Scenario = { stream: Math.random() < SHARES.stream, tools: Math.random() < SHARES.tools }
  let r = Math.random()
  if (r < SHARES.mistake) scenario.mistake = Math.random() < 0.5 ? 'bad-auth' : 'bad-json'
  r -= SHARES.mistake
  for (const [kind, share] of Object.entries(SHARES.faults) as [FaultKind, number][]) {
    if (r >= 0 && r < share) scenario.fault = kind
    r -= share
  }
  if (Math.random() < SHARES.abort) scenario.abortAfterMs = Math.random() * ABORT_WITHIN_MS
  return scenario
}

export function scenarioName(s: Scenario): string {
  const extras = `${s.tools ? ' +tools' : ''}${s.abortAfterMs === undefined ? '' : ' +abort'}`
  return `${s.stream ? 'stream' : 'json'} ${s.fault ?? s.mistake ?? 'healthy'}${extras}`
}

const TOOLS = [
  {
    type: 'function',
    function: {
      name: TOOL_NAME,
      description: 'Current weather at a place',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  },
]

function request(s: Scenario): { body: string; headers: Record<string, string> } {
  const headers = {
    'content-type': 'application/json',
    authorization: `Bearer ${s.mistake === 'bad-auth' ? 'sk-wrong' : 'sk-bench'}`,
  }
  if (s.mistake === 'bad-json') return { body: '{"model":"claude-sonnet-4-5","messages":[', headers }
  const content = s.fault ? `Say hello bench-fault=${s.fault}` : 'Say hello'
  const body = {
    model: 'claude-sonnet-4-5',
    messages: [{ role: 'user', content }],
    max_tokens: 512,
    ...(s.stream ? { stream: true } : {}),
    ...(s.tools ? { tools: TOOLS } : {}),
  }
  return { body: JSON.stringify(body), headers }
}

/** What the fast upstream answers with `events` deltas per stream. */
function expectedAnswer(s: Scenario, events: number): Expected {
  if (s.tools) return { kind: 'tool', name: TOOL_NAME, input: toolInput(events) }
  const texts = answerTexts(events)
  return { kind: 'text', text: s.stream ? texts.stream : texts.json }
}

/** Sends one scenario and judges the answer; nothing here waits longer than `deadlineMs`. */
export async function runScenario(url: string, s: Scenario, events: number, deadlineMs: number): Promise<Verdict> {
  const controller = new AbortController()
  let stoppedBy: 'client' | 'deadline' | undefined
  const stopAs = (who: 'client' | 'deadline') => () => {
    stoppedBy ??= who
    controller.abort()
  }
  const deadline = setTimeout(stopAs('deadline'), deadlineMs)
  const clientAbort = s.abortAfterMs === undefined ? undefined : setTimeout(stopAs('client'), s.abortAfterMs)
  const expected = expectedAnswer(s, events)
  const { body, headers } = request(s)
  let text = ''
  try {
    const res = await fetch(url, { method: 'POST', body, headers, signal: controller.signal })
    if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
      return classifyJson(res.status, await res.text(), expected, res.headers.get('retry-after'))
    }
    const decoder = new TextDecoder()
    try {
      for await (const chunk of res.body!) text += decoder.decode(chunk, { stream: true })
    } catch {
      if (stoppedBy === 'client') return { outcome: 'aborted' }
      if (stoppedBy === 'deadline') return { outcome: 'unclear', detail: `stream still open after ${deadlineMs} ms` }
      return classifyStream(text, false, expected)
    }
    return classifyStream(text, true, expected)
  } catch (e) {
    if (stoppedBy === 'client') return { outcome: 'aborted' }
    if (stoppedBy === 'deadline') return { outcome: 'unclear', detail: `no answer within ${deadlineMs} ms` }
    return { outcome: 'unclear', detail: `connection failed: ${e}` }
  } finally {
    clearTimeout(deadline)
    clearTimeout(clientAbort)
  }
}
