import { type FaultBox, watchUpstreamBody } from './watch-upstream-body.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'

const encoder = new TextEncoder()

/**
 * An upstream body piped back byte for byte (Anthropic-native routes). If it ends early (a cut,
 * an idle timeout), an Anthropic `error` event is appended, after blank lines that close any
 * half-sent event, so the client's SDK raises instead of taking a cut stream for a whole one.
 */
export const passthroughBody = (reply: UpstreamReply, idleTimeoutSeconds: number, onEnd: (fault: FaultBox['current']) => void) => {
  const body = reply.response.body
  if (!body) return null
  const fault: FaultBox = { current: undefined }
  const watched = watchUpstreamBody({ body, idleTimeoutSeconds, abortUpstream: reply.abort, fault })
  const isStream = (reply.response.headers.get('content-type') ?? '').startsWith('text/event-stream')
  return watched.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk)
      },
      flush(controller) {
        onEnd(fault.current)
        if (!fault.current || !isStream) return
        const event = { type: 'error', error: { type: fault.current.code === 'upstream_timeout' ? 'timeout_error' : 'api_error', message: fault.current.message } }
        controller.enqueue(encoder.encode(`\n\nevent: error\ndata: ${JSON.stringify(event)}\n\n`))
      },
    }),
  )
}
