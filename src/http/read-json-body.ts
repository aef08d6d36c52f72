import { OpenAIError } from '../errors/openai-error.ts'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

const invalidJson = (message: string) => new OpenAIError({ status: 400, type: 'invalid_request_error', code: 'invalid_json', message })

export const requestTooLarge = (limit: number) =>
  new OpenAIError({
    status: 413,
    type: 'invalid_request_error',
    code: 'request_too_large',
    message: `The request body is larger than ${limit} bytes (MAX_BODY_BYTES)`,
  })

/** Deeper JSON than any real request needs; deeper would overflow the stack when re-serialised. */
export const MAX_JSON_DEPTH = 64

const QUOTE = 34
const BACKSLASH = 92
const OPEN_BRACE = 123
const OPEN_BRACKET = 91
const CLOSE_BRACE = 125
const CLOSE_BRACKET = 93

/** Whether `text` nests objects/arrays deeper than `limit`: one pass, strings skipped. */
export const nestsDeeperThan = (text: string, limit: number): boolean => {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      // Jump to the closing quote (one indexOf even for megabytes of base64), past escaped ones.
      for (;;) {
        const close = text.indexOf('"', i + 1)
        if (close < 0) return false
        let backslashes = 0
        while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++
        i = close
        if (backslashes % 2 === 0) break
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--
  }
  return false
}

/** Reads a body of unknown length, counting as it goes, so a chunked flood never buffers past the limit. */
const readCapped = async (request: Request, limit: number): Promise<Uint8Array> => {
  // A declared length was checked against the limit on arrival; a chunked body is counted here.
  if (request.headers.get('content-length') !== null) return new Uint8Array(await request.arrayBuffer())
  if (!request.body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of request.body) {
    size += chunk.byteLength
    if (size > limit) throw requestTooLarge(limit)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * The body as a JSON object: wrong content type, invalid UTF-8 (never silently replaced), invalid
 * JSON and non-objects are each a 400 `invalid_json`. The declared length was checked on arrival.
 */
export const readJsonBody = async (request: Request, limit: number): Promise<Record<string, unknown>> => {
  const type = request.headers.get('content-type') ?? ''
  if (!type.toLowerCase().startsWith('application/json')) {
    throw invalidJson('Content-Type must be application/json')
  }
  const bytes = await readCapped(request, limit)
  let text: string
  try {
    text = strictUtf8.decode(bytes)
  } catch {
    throw invalidJson('The body is not valid UTF-8')
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new OpenAIError({
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_value',
      message: `The body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`,
    })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalidJson(text.trim() === '' ? 'The body is empty; send a JSON object' : 'The body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidJson('The body must be a JSON object')
  return value as Record<string, unknown>
}
