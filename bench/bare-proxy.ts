// The floor of any Bun proxy: forward the body, relay the upstream body untouched, parse nothing.
// A gateway is judged by how close it gets to this. Env: PORT, UPSTREAM_API_URL, UPSTREAM_API_KEY.

const upstreamUrl = process.env.UPSTREAM_API_URL!
const upstreamHeaders = {
  'content-type': 'application/json',
  'x-api-key': process.env.UPSTREAM_API_KEY ?? '',
  'anthropic-version': '2023-06-01',
}

Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT),
  async fetch(req) {
    if (req.method === 'GET' && new URL(req.url).pathname === '/health') return new Response('ok')
    const upstream = await fetch(upstreamUrl, {
      method: 'POST',
      headers: upstreamHeaders,
      body: await req.arrayBuffer(),
      signal: req.signal,
    })
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' },
    })
  },
})

console.log(`bare-proxy listening on 127.0.0.1:${process.env.PORT} → ${upstreamUrl}`)
