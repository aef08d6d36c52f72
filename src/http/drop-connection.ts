/** What a route gets as Elysia's `server` (Bun's), as far as it is used here. */
export type ServerTimeout = { timeout: (request: Request, seconds: number) => void } | null

/**
 * Closes the connection of a client that reads nothing. Erroring the response body is not enough:
 * Bun keeps the socket open while its unsent bytes wait for the client (measured, Bun 1.4). Its
 * idle timer, re-armed at 1 s, closes it at its next tick (within about 4 s).
 */
export const dropConnection = (server: ServerTimeout, request: Request) => server?.timeout(request, 1)

/**
 * `dropConnection` for later, as a stream's end calls it. Made here, not in a route's async
 * handler: a closure made there keeps every variable of it alive for as long as the stream that
 * holds it, the parsed request (the whole prompt) among them.
 */
export const connectionDropper = (server: ServerTimeout, request: Request) => () => dropConnection(server, request)
