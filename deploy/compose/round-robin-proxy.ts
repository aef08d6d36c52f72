/**
 * The one published port of the compose `replicas` profile: each HTTP request goes to the next
 * of TARGETS (host:port, comma-separated) in turn, streamed both ways, and a client that leaves
 * cancels its upstream request. A stand-in for the load balancer a real deployment already has
 * (the Kubernetes Service in deploy/kubernetes/); it runs in the plain oven/bun image.
 */
const targets = (process.env.TARGETS ?? '').split(',').map((target) => target.trim()).filter(Boolean)
if (targets.length === 0) {
  process.stderr.write('TARGETS: required, e.g. gateway-replica-1:5000,gateway-replica-2:5000\n')
  process.exit(2)
}
let next = 0

const server = Bun.serve({
  hostname: process.env.HOST ?? '0.0.0.0',
  port: Number(process.env.PORT ?? 5000),
  // Streams may stay quiet between events for long; the gateways' own timers bound them.
  idleTimeout: 0,
  fetch(request) {
    const { pathname, search } = new URL(request.url)
    const target = targets[next++ % targets.length]
    return fetch(`http://${target}${pathname}${search}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      redirect: 'manual',
      decompress: false,
    }).catch(() => new Response(JSON.stringify({ error: { message: `replica ${target} is unreachable`, type: 'server_error', param: null, code: 'replica_unreachable' } }), { status: 502, headers: { 'content-type': 'application/json' } }))
  },
})
process.stdout.write(`round-robin proxy on ${server.hostname}:${server.port} → ${targets.join(', ')}\n`)
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)))
