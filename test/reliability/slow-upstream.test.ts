import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { stopAll } from '../support/processes.ts'
import { AUTH, type ChildGateway, chatBody, report, startChildGateway } from '../support/reliability-gateway.ts'
import { messageEnd, messageStart, PING, SSE_HEAD, sseParts, startTcpUpstream, type TcpUpstream, textDelta, textStart } from '../support/reliability-tcp.ts'
import { CLIENT_KEY } from '../support/test-gateway.ts'

/**
 * to-3 (reliability doc §9): an upstream that only sends pings, every 0.2 s, for 5 × UPSTREAM_TIMEOUT
 * (T = 0.4 s, scaled down from the doc's seconds), then the content. Any upstream byte resets the
 * clock, so the stream completes.
 */

const PINGS = 10
const PING_EVERY_MS = 200
const UPSTREAM_TIMEOUT_MS = 400
const CONTENT = 'slow but alive'

let upstream: TcpUpstream
let gateway: ChildGateway
beforeAll(async () => {
  upstream = await startTcpUpstream(async (conn, request) => {
    const pingsFirst = request.body.includes('pings-first')
    conn.head(200, SSE_HEAD, { chunked: true })
    if (!pingsFirst) await conn.chunk(messageStart())
    for (let i = 0; i < PINGS && conn.isOpen(); i++) {
      await Bun.sleep(PING_EVERY_MS)
      await conn.chunk(PING)
    }
    if (pingsFirst) await conn.chunk(messageStart())
    await conn.chunk(textStart() + textDelta(CONTENT) + messageEnd())
    conn.finish()
  })
  gateway = await startChildGateway(upstream.url, { UPSTREAM_TIMEOUT: String(UPSTREAM_TIMEOUT_MS / 1000) })
})
afterAll(async () => {
  await gateway?.stop()
  await stopAll()
  upstream?.stop()
})

describe('to-3: only pings for 5 × UPSTREAM_TIMEOUT, then content', () => {
  test('completes; the client sees `: ping` comments meanwhile; the openai SDK parses it; pings before message_start do not time out either', async () => {
    const started = performance.now()
    const raw = (async () => {
      const response = await fetch(`${gateway.base}/v1/chat/completions`, { method: 'POST', headers: AUTH, body: chatBody('raw', { stream: true }) })
      const text = await response.text()
      return { status: response.status, text, ms: performance.now() - started }
    })()
    const sdk = (async () => {
      const client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gateway.base}/v1`, maxRetries: 0, timeout: 9000 })
      const stream = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'sdk' }], stream: true })
      let content = ''
      const finishes: string[] = []
      for await (const chunk of stream) {
        content += chunk.choices[0]?.delta.content ?? ''
        if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason)
      }
      return { content, finishes }
    })()
    const pingsFirst = (async () => {
      const response = await fetch(`${gateway.base}/v1/chat/completions`, { method: 'POST', headers: AUTH, body: chatBody('pings-first', { stream: true }) })
      return { status: response.status, text: await response.text() }
    })()

    const [rawResult, sdkResult, firstResult] = await Promise.all([raw, sdk, pingsFirst])
    const { data, comments, frames } = sseParts(rawResult.text)
    report('to-3', { total_ms: Math.round(rawResult.ms), ping_comments: comments.length, data_frames: data.length })

    expect(rawResult.status).toBe(200)
    expect(rawResult.ms).toBeGreaterThanOrEqual(PINGS * PING_EVERY_MS - 100)
    expect(comments).toEqual(Array.from({ length: PINGS }, () => ': ping'))
    // Between the role chunk and the content, the client saw nothing but comment lines.
    const firstContent = frames.findIndex((frame) => frame.includes(CONTENT))
    expect(frames.slice(1, firstContent).every((frame) => frame === ': ping')).toBe(true)
    const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d))
    expect(chunks.some((c) => c.error)).toBe(false)
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(CONTENT)
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason)).toEqual(['stop'])
    expect(data.at(-1)).toBe('[DONE]')

    expect(sdkResult).toEqual({ content: CONTENT, finishes: ['stop'] })

    expect(firstResult.status).toBe(200)
    expect(sseParts(firstResult.text).data.at(-1)).toBe('[DONE]')
    expect(firstResult.text).toContain(CONTENT)
    expect(firstResult.text).not.toContain('upstream_timeout')
  }, 10_000)
})
