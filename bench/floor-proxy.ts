// Floors between the bare pass-through and the gateway: the least any Bun proxy pays that has to
// read what it relays. They put the gateway's ratios in scale; none of them is a usable gateway.
// A stream request is told by its bytes (`"stream":true`), not parsed: per 1,000-event stream that
// saves far less than the measurement's noise. Env: PORT, UPSTREAM_API_URL, UPSTREAM_API_KEY, FLOOR:
//   transform  a stream goes through one JavaScript TransformStream that decodes it to text and
//              writes it back unchanged: the cost of touching a stream in JavaScript at all.
//   mapper     non-stream: both JSON bodies parsed and re-serialised, the upstream call abortable
//              by the client and by a timeout; stream: one OpenAI chunk per text delta from a
//              template, with no checks at all: the least a mapper that emits OpenAI chunks does.

// A module, not a script: its names stay out of bare-proxy.ts's global scope.
export {}

const upstreamUrl = process.env.UPSTREAM_API_URL!
const floor = process.env.FLOOR
if (floor !== 'transform' && floor !== 'mapper') throw new Error('FLOOR must be transform or mapper')
const upstreamHeaders = { 'content-type': 'application/json', 'x-api-key': process.env.UPSTREAM_API_KEY ?? '', 'anthropic-version': '2023-06-01' }
const TIMEOUT_MS = 600_000

// As long as the gateway's chunks here: its id comes from the upstream's msg_bench_0001, created has 10 digits.
const CHUNK_HEAD = `data: {"id":"chatcmpl-msg_floor_0001","object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":"claude-sonnet-4-5","system_fingerprint":null,"choices":[{"index":0,"delta":`
const CHUNK_TAIL = ',"logprobs":null,"finish_reason":null}]}\n\n'
const ROLE = `${CHUNK_HEAD}{"role":"assistant","content":""}${CHUNK_TAIL}`
const FINISH = `${CHUNK_HEAD}{},"logprobs":null,"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`
const START_LINE = 'data: {"type":"message_start"'
const DELTA_LINE = 'data: {"type":"content_block_delta"'
const STOP_LINE = 'data: {"type":"message_stop"'
const TEXT_KEY = '"text":'

const decodeOnly = () => {
  const decoder = new TextDecoder()
  return new TransformStream<Uint8Array, string>({
    transform: (bytes, controller) => controller.enqueue(decoder.decode(bytes, { stream: true })),
  })
}

/** Lines are scanned with indexOf; a delta's text literal is cut out by position, unchecked. */
const templateMapper = () => {
  const decoder = new TextDecoder()
  let rest = ''
  return new TransformStream<Uint8Array, string>({
    transform(bytes, controller) {
      const text = rest + decoder.decode(bytes, { stream: true })
      let out = ''
      let start = 0
      for (let end = text.indexOf('\n', start); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
        if (text.startsWith(DELTA_LINE, start)) {
          const key = text.indexOf(TEXT_KEY, start)
          // The line ends in `"}}`: the literal runs from after the key to before the two braces.
          if (key >= 0 && key < end) out += `${CHUNK_HEAD}{"content":${text.slice(key + TEXT_KEY.length, end - 2)}}${CHUNK_TAIL}`
        } else if (text.startsWith(START_LINE, start)) out += ROLE
        else if (text.startsWith(STOP_LINE, start)) out += FINISH
      }
      rest = text.slice(start)
      if (out !== '') controller.enqueue(out)
    },
  })
}

async function mappedJson(request: string, clientSignal: AbortSignal): Promise<Response> {
  const body = JSON.stringify(JSON.parse(request))
  const controller = new AbortController()
  const onClientAbort = () => controller.abort()
  clientSignal.addEventListener('abort', onClientAbort, { once: true })
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS)
  try {
    const upstream = await fetch(upstreamUrl, { method: 'POST', headers: upstreamHeaders, body, signal: controller.signal })
    const answer = JSON.stringify(JSON.parse(await upstream.text()))
    return new Response(answer, { status: upstream.status, headers: { 'content-type': 'application/json' } })
  } finally {
    clearTimeout(timer)
    clientSignal.removeEventListener('abort', onClientAbort)
  }
}

Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT),
  async fetch(req) {
    if (req.method === 'GET' && new URL(req.url).pathname === '/health') return new Response('ok')
    const request = await req.text()
    // Only the benchmark calls this, and its stream requests say so in these exact bytes.
    const stream = request.includes('"stream":true')
    if (floor === 'mapper' && !stream) return mappedJson(request, req.signal)
    const upstream = await fetch(upstreamUrl, { method: 'POST', headers: upstreamHeaders, body: request, signal: req.signal })
    const body = stream ? upstream.body!.pipeThrough(floor === 'mapper' ? templateMapper() : decodeOnly()) : upstream.body
    return new Response(body, { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' } })
  },
})

console.log(`floor-proxy (${floor}) listening on 127.0.0.1:${process.env.PORT} → ${upstreamUrl}`)
