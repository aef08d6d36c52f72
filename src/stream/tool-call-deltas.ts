/**
 * The delta JSON of a streamed client tool call, in the shape the request asked for: `tool_calls`
 * entries counted by `index`, or the one legacy `function_call` of a request with `functions`.
 * Names, ids and argument fragments come in as JSON string literals.
 */
export type ToolCallDeltas = {
  start: (index: number, idLiteral: string, nameLiteral: string) => string
  arguments: (index: number, argumentsLiteral: string) => string
}

export const TOOL_CALL_DELTAS: ToolCallDeltas = {
  start: (index, id, name) => `{"tool_calls":[{"index":${index},"id":${id},"type":"function","function":{"name":${name},"arguments":""}}]}`,
  arguments: (index, literal) => `{"tool_calls":[{"index":${index},"function":{"arguments":${literal}}}]}`,
}

export const FUNCTION_CALL_DELTAS: ToolCallDeltas = {
  start: (_index, _id, name) => `{"function_call":{"name":${name},"arguments":""}}`,
  arguments: (_index, literal) => `{"function_call":{"arguments":${literal}}}`,
}
