import type { ToolChoiceParam, ToolDefinition } from '../anthropic/request-schema.ts'
import type { ChatCompletionRequest, FunctionDefinition } from '../openai/request-schema.ts'
import type { Adjustments } from './adjustments.ts'
import type { ModelQuirks } from './model-quirks.ts'

export type AnthropicTools = { tools?: ToolDefinition[]; tool_choice?: ToolChoiceParam }

const EMPTY_SCHEMA = { type: 'object', properties: {} } as const

const toToolDefinition = (fn: FunctionDefinition, quirks: ModelQuirks, adjustments: Adjustments): ToolDefinition => {
  const tool: ToolDefinition = { name: fn.name, input_schema: fn.parameters ?? { ...EMPTY_SCHEMA } }
  if (fn.description !== undefined) tool.description = fn.description
  if (fn.strict === true) {
    if (quirks.nativeStructuredOutput) tool.strict = true
    else adjustments.add('tools.function.strict', 'ignored')
  }
  return tool
}

const toToolChoice = (request: ChatCompletionRequest): ToolChoiceParam | undefined => {
  const choice = request.tool_choice ?? request.function_call
  if (choice === undefined || choice === null || choice === 'auto') return { type: 'auto' }
  if (choice === 'none') return { type: 'none' }
  if (choice === 'required') return { type: 'any' }
  return { type: 'tool', name: 'function' in choice ? choice.function.name : choice.name }
}

/**
 * A request that declares only legacy `functions` is answered in their shape: one
 * `message.function_call`, finish_reason `function_call`.
 */
export const usesLegacyFunctions = (request: ChatCompletionRequest) => (request.functions?.length ?? 0) > 0 && !request.tools?.length

/**
 * tools / functions / tool_choice / function_call / parallel_tool_calls. The JSON schema of each
 * function is kept whole: rebuilding it from a few known keys loses constraints.
 */
export const toAnthropicTools = (
  request: ChatCompletionRequest,
  quirks: ModelQuirks,
  adjustments: Adjustments,
): AnthropicTools => {
  const definitions = [...(request.tools ?? []).map((tool) => tool.function), ...(request.functions ?? [])]
  if (definitions.length === 0) {
    if (request.tool_choice != null || request.function_call != null) adjustments.add('tool_choice', 'ignored')
    if (request.parallel_tool_calls != null) adjustments.add('parallel_tool_calls', 'ignored')
    // Tool blocks in history need no `tools` since the API release of 2025-02-27 (test/fixtures/FACTS.md §2).
    return {}
  }
  const tools = definitions.map((fn) => toToolDefinition(fn, quirks, adjustments))
  const tool_choice = toToolChoice(request) as ToolChoiceParam
  // The legacy shape holds one call, so the model is held to one.
  const oneCall = request.parallel_tool_calls === false || usesLegacyFunctions(request)
  if (oneCall && tool_choice.type !== 'none') tool_choice.disable_parallel_tool_use = true
  return { tools, tool_choice }
}
