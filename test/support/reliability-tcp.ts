import { connect, createServer, type Socket } from 'node:net'

/**
 * Byte-level tools for the reliability tests (doc §9): an upstream and a client written on
 * node:net, so a test can see (and cause) exactly when a socket closes, stop reading, or send
 * headers and bodies that fetch() would refuse or fix up.
 */

/** Writes `data`, then calls `done` once the kernel took it (drain) or the socket closed. */
const writeRespectingDrain = (socket: Socket, data: string | Uint8Array, done: () => void) => {
  if (socket.write(data)) return done()
  const finish = () => {
    socket.off('drain', finish)
    socket.off('close', finish)
    done()
  }
  socket.on('drain', finish)
  socket.on('close', finish)
}

const CRLF = '\r\n'
const HEAD_END = Buffer.from('\r\n\r\n')

export type ParsedRequest = {
  method: string
  path: string
  headers: Record<string, string>
  body: string
  receivedAt: number
}

/** One connection the gateway opened to the TCP upstream. */
export type UpstreamConn = {
  readonly id: number
  readonly socket: Socket
  readonly openedAt: number
  /** When the gateway's side went away (FIN, RST or error), unless the upstream closed first. */
  closedAt: number | undefined
  /** True when this upstream ended the connection itself. */
  closedByUs: boolean
  readonly requests: ParsedRequest[]
  /** Bytes handed to socket.write (including what is still buffered in the process). */
  bytesQueued: number
  readonly closed: Promise<number>
  isOpen: () => boolean
  /** Status line and headers; `chunked` adds transfer-encoding: chunked. Always `connection: close`. */
  head: (status: number, headers: Record<string, string>, options?: { chunked?: boolean }) => void
  /** One HTTP chunk; resolves at once if the socket took it, else when it drains (or closes). */
  chunk: (text: string | Buffer) => Promise<void>
  /** The terminating chunk, then FIN. */
  finish: () => void
  /** A whole non-chunked answer, then FIN. */
  respond: (status: number, headers: Record<string, string>, body: string) => void
  /** Bytes the kernel took: queued minus what is still buffered in the process. */
  bytesAccepted: () => number
}

export type TcpUpstream = {
  url: string
  port: number
  conns: UpstreamConn[]
  /** Connections whose request body contains `marker`. */
  connsWith: (marker: string) => UpstreamConn[]
  /** Resolves with the connection whose request contains `marker`, or rejects after `ms`. */
  waitForRequest: (marker: string, ms?: number) => Promise<UpstreamConn>
  openCount: () => number
  stop: () => void
}

const parseHead = (head: string) => {
  const [requestLine = '', ...lines] = head.split(CRLF)
  const [method = '', path = ''] = requestLine.split(' ')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { method, path, headers }
}

/** Decodes a complete chunked body; undefined while incomplete. */
const dechunk = (buf: Buffer): { body: Buffer; complete: boolean } => {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const lineEnd = buf.indexOf(CRLF, at)
    if (lineEnd < 0) return { body: Buffer.concat(parts), complete: false }
    const size = Number.parseInt(buf.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16)
    if (!Number.isFinite(size)) return { body: Buffer.concat(parts), complete: false }
    if (size === 0) return { body: Buffer.concat(parts), complete: buf.indexOf(HEAD_END, lineEnd) >= 0 || buf.length >= lineEnd + 4 }
    const start = lineEnd + 2
    if (buf.length < start + size) {
      parts.push(buf.subarray(start))
      return { body: Buffer.concat(parts), complete: false }
    }
    parts.push(buf.subarray(start, start + size))
    at = start + size + 2
  }
}

/**
 * An Anthropic-speaking upstream on node:net (127.0.0.1, port 0). Each connection carries one
 * request (answers say `connection: close`); `onRequest` scripts the answer. Records when the
 * gateway closes each connection.
 */
export const startTcpUpstream = async (onRequest: (conn: UpstreamConn, request: ParsedRequest) => void | Promise<void>): Promise<TcpUpstream> => {
  const conns: UpstreamConn[] = []
  let nextId = 0
  const server = createServer((socket) => {
    socket.setNoDelay(true)
    let buffered = Buffer.alloc(0)
    let handled = false
    let resolveClosed: (at: number) => void = () => {}
    const closed = new Promise<number>((resolve) => {
      resolveClosed = resolve
    })
    const conn: UpstreamConn = {
      id: nextId++,
      socket,
      openedAt: performance.now(),
      closedAt: undefined,
      closedByUs: false,
      requests: [],
      bytesQueued: 0,
      closed,
      isOpen: () => conn.closedAt === undefined && !conn.closedByUs && !socket.destroyed,
      head: (status, headers, { chunked = false } = {}) => {
        const all = { ...headers, connection: 'close', ...(chunked ? { 'transfer-encoding': 'chunked' } : {}) }
        const text = `HTTP/1.1 ${status} X${CRLF}${Object.entries(all)
          .map(([name, value]) => `${name}: ${value}${CRLF}`)
          .join('')}${CRLF}`
        conn.bytesQueued += text.length
        socket.write(text)
      },
      chunk: (text) =>
        new Promise<void>((resolve) => {
          if (!conn.isOpen()) return resolve()
          const payload = typeof text === 'string' ? Buffer.from(text) : text
          const framed = Buffer.concat([Buffer.from(`${payload.length.toString(16)}${CRLF}`), payload, Buffer.from(CRLF)])
          conn.bytesQueued += framed.length
          writeRespectingDrain(socket, framed, resolve)
        }),
      finish: () => {
        if (!conn.isOpen()) return
        conn.closedByUs = true
        socket.end(`0${CRLF}${CRLF}`)
      },
      respond: (status, headers, body) => {
        if (!conn.isOpen()) return
        conn.head(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) })
        conn.closedByUs = true
        socket.end(body)
      },
      bytesAccepted: () => conn.bytesQueued - (socket.writableLength ?? 0),
    }
    conns.push(conn)
    const gone = () => {
      if (conn.closedAt === undefined && !conn.closedByUs) conn.closedAt = performance.now()
      resolveClosed(conn.closedAt ?? performance.now())
    }
    socket.on('end', gone)
    socket.on('close', gone)
    socket.on('error', gone)
    socket.on('data', (data: Buffer) => {
      if (handled) return
      buffered = Buffer.concat([buffered, data])
      const headEnd = buffered.indexOf(HEAD_END)
      if (headEnd < 0) return
      const { method, path, headers } = parseHead(buffered.subarray(0, headEnd).toString('latin1'))
      const rest = buffered.subarray(headEnd + 4)
      let body: Buffer | undefined
      if (headers['transfer-encoding']?.includes('chunked')) {
        const decoded = dechunk(rest)
        if (decoded.complete) body = decoded.body
      } else {
        const length = Number(headers['content-length'] ?? 0)
        if (rest.length >= length) body = rest.subarray(0, length)
      }
      if (!body) return
      handled = true
      const request = { method, path, headers, body: body.toString('utf8'), receivedAt: performance.now() }
      conn.requests.push(request)
      void Promise.resolve(onRequest(conn, request)).catch(() => socket.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const connsWith = (marker: string) => conns.filter((conn) => conn.requests.some((r) => r.body.includes(marker)))
  return {
    url: `http://127.0.0.1:${port}/v1/messages`,
    port,
    conns,
    connsWith,
    waitForRequest: async (marker, ms = 3000) => {
      const deadline = performance.now() + ms
      while (performance.now() < deadline) {
        const found = connsWith(marker)[0]
        if (found) return found
        await Bun.sleep(2)
      }
      throw new Error(`the upstream saw no request containing ${marker} within ${ms} ms`)
    },
    openCount: () => conns.filter((conn) => conn.isOpen()).length,
    stop: () => {
      for (const conn of conns) conn.socket.destroy()
      server.close()
    },
  }
}

/** `event: <type>\ndata: <json>\n\n`, as the Messages API frames its stream. */
export const sse = (event: { type: string; [field: string]: unknown }) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`

export const messageStart = (id = 'msg_rel0001', model = 'claude-sonnet-4-5') =>
  sse({
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 1 },
    },
  })
export const textStart = (index = 0) => sse({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
export const textDelta = (text: string, index = 0) => sse({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })
export const messageEnd = (index = 0) =>
  sse({ type: 'content_block_stop', index }) +
  sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }) +
  sse({ type: 'message_stop' })
export const PING = sse({ type: 'ping' })
export const SSE_HEAD = { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': 'req_tcp_upstream' } as const

export const anthropicMessage = (text: string, id = 'msg_rel0002') =>
  JSON.stringify({
    id,
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 3 },
  })

export type ParsedResponse = {
  status: number
  headers: Record<string, string>
  /** The body so far, de-chunked when chunked. */
  body: string
  /** The whole body has arrived (terminating chunk, or content-length bytes). */
  complete: boolean
}

/** Parses what a raw client received so far; undefined until the header block is complete. */
export const parseResponse = (buf: Buffer): ParsedResponse | undefined => {
  const headEnd = buf.indexOf(HEAD_END)
  if (headEnd < 0) return undefined
  const [statusLine = '', ...lines] = buf.subarray(0, headEnd).toString('latin1').split(CRLF)
  const status = Number(statusLine.split(' ')[1])
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const rest = buf.subarray(headEnd + 4)
  if (headers['transfer-encoding']?.includes('chunked')) {
    const { body, complete } = dechunk(rest)
    return { status, headers, body: body.toString('utf8'), complete }
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length'])
  const body = length === undefined ? rest : rest.subarray(0, length)
  return { status, headers, body: body.toString('utf8'), complete: length !== undefined && rest.length >= length }
}

export type RawClient = {
  socket: Socket
  received: () => Buffer
  response: () => ParsedResponse | undefined
  /** Resolves once `predicate` holds for the response so far, or rejects after `ms`. */
  waitFor: (predicate: (response: ParsedResponse) => boolean, ms?: number) => Promise<ParsedResponse>
  /** Resolves when the server closed the connection (or it errored); the time it happened. */
  closed: Promise<number>
  isClosed: () => boolean
  write: (data: string | Buffer) => Promise<void>
  /** Stops reading the socket: the kernel buffers fill and the sender is pushed back. */
  pause: () => void
  /** FIN (`destroy`) or RST (`resetAndDestroy`). */
  kill: (how?: 'fin' | 'rst') => void
}

/** A client on node:net connected to 127.0.0.1:`port`. */
export const rawClient = async (port: number): Promise<RawClient> => {
  const socket = connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('error', reject)
  })
  // Chunks kept apart and joined only when asked for: joining on every read is quadratic, and a
  // test process busy copying tens of MiB starves the upstream it also serves.
  const chunks: Buffer[] = []
  /** Reads so far: only grows, unlike `chunks`, which a join shortens. */
  let reads = 0
  let joined = Buffer.alloc(0)
  let joinedCount = 0
  const received = () => {
    if (joinedCount !== chunks.length) {
      joined = Buffer.concat(chunks)
      chunks.length = 0
      chunks.push(joined)
      joinedCount = 1
    }
    return joined
  }
  let closedFlag = false
  const closed = new Promise<number>((resolve) => {
    const done = () => {
      closedFlag = true
      resolve(performance.now())
    }
    socket.on('close', done)
    socket.on('end', done)
    socket.on('error', done)
  })
  socket.on('data', (data: Buffer) => {
    chunks.push(data)
    reads++
  })
  const response = () => parseResponse(received())
  return {
    socket,
    received,
    response,
    waitFor: async (predicate, ms = 3000) => {
      const deadline = performance.now() + ms
      let checkedReads = -1
      while (performance.now() < deadline) {
        // Parsed again only once more arrived, and less often as it grows (a parse copies it all).
        if (reads !== checkedReads) {
          checkedReads = reads
          const parsed = response()
          if (parsed && predicate(parsed)) return parsed
        }
        if (closedFlag) break
        await Bun.sleep(2 + (joined.length >> 20))
      }
      const parsed = response()
      if (parsed && predicate(parsed)) return parsed
      throw new Error(`raw client: condition not met within ${ms} ms (closed: ${closedFlag}); received: ${received().subarray(0, 600).toString('latin1')}`)
    },
    closed,
    isClosed: () => closedFlag,
    write: (data) =>
      new Promise<void>((resolve) => {
        if (closedFlag || socket.destroyed) return resolve()
        writeRespectingDrain(socket, data, resolve)
      }),
    pause: () => {
      socket.pause()
    },
    kill: (how = 'fin') => {
      if (how === 'rst') socket.resetAndDestroy()
      else socket.destroy()
    },
  }
}

/** An HTTP/1.1 request as bytes. `body` gets a content-length unless a header says otherwise. */
export const httpRequest = ({
  method = 'POST',
  path = '/v1/chat/completions',
  headers = {},
  body,
}: {
  method?: string
  path?: string
  headers?: Record<string, string> | [string, string][]
  body?: string
}) => {
  const list = Array.isArray(headers) ? headers : Object.entries(headers)
  const names = new Set(list.map(([name]) => name.toLowerCase()))
  const all: [string, string][] = [['host', '127.0.0.1'], ...list]
  if (body !== undefined && !names.has('content-length') && !names.has('transfer-encoding')) {
    all.push(['content-length', String(Buffer.byteLength(body))])
  }
  return `${method} ${path} HTTP/1.1${CRLF}${all.map(([name, value]) => `${name}: ${value}${CRLF}`).join('')}${CRLF}${body ?? ''}`
}

/** The `data:` payloads of an SSE text, and its comment lines. */
export const sseParts = (text: string) => {
  const frames = text.split('\n\n').filter(Boolean)
  return {
    data: frames.filter((frame) => frame.startsWith('data: ')).map((frame) => frame.slice(6)),
    comments: frames.filter((frame) => frame.startsWith(':')),
    frames,
  }
}

/** Resolves with how long `promise` took from `since`, or `Infinity` after `ms`. */
export const within = async (promise: Promise<number>, since: number, ms: number) =>
  Promise.race([promise.then((at) => Math.max(0, at - since)), Bun.sleep(ms).then(() => Number.POSITIVE_INFINITY)])
