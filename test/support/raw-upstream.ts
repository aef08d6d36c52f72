import { createServer, type Socket } from 'node:net'

/**
 * An upstream at the TCP level, for faults Bun.serve cannot make: it answers 200 with a chunked
 * event stream, writes `body`, then closes the socket cleanly (FIN) or resets it (RST), with no
 * terminating chunk. Records whether the gateway closed its side first.
 */
export const startRawUpstream = async ({ body, end }: { body: string; end: 'fin' | 'rst' }) => {
  const sockets: Socket[] = []
  const server = createServer((socket) => {
    sockets.push(socket)
    socket.once('data', () => {
      const chunk = Buffer.from(body)
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n`)
      socket.write(`${chunk.length.toString(16)}\r\n`)
      socket.write(chunk)
      socket.write('\r\n', () => setTimeout(() => (end === 'rst' ? socket.resetAndDestroy() : socket.end()), 20))
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/v1/messages`,
    stop: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}
