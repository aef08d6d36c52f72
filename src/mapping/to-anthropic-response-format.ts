import type { OutputConfig, ToolChoiceParam, ToolDefinition } from '../anthropic/request-schema.ts'
import type { ResponseFormat } from '../openai/request-schema.ts'
import type { Adjustments } from './adjustments.ts'
import type { ModelQuirks } from './model-quirks.ts'
import type { AnthropicTools } from './to-anthropic-tools.ts'

/** The forced tool that carries JSON mode on models without native structured output. */
export const JSON_TOOL_NAME = 'gateway_json_response'

export type ResponseFormatResult = AnthropicTools & { outputFormat?: OutputConfig['format']; jsonTool: boolean }

/** JSON-Schema keywords native structured output rejects (test/fixtures/FACTS.md §1). */
const UNSUPPORTED_KEYWORDS = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'maxItems',
  'minProperties',
  'maxProperties',
  'oneOf',
  'patternProperties',
  'dependentSchemas',
  'if',
  'not',
])

/** Whether the API's native structured output takes this schema as it is. */
export const fitsNativeStructuredOutput = (schema: unknown): boolean => {
  if (Array.isArray(schema)) return schema.every(fitsNativeStructuredOutput)
  if (typeof schema !== 'object' || schema === null) return true
  for (const [key, value] of Object.entries(schema)) {
    if (UNSUPPORTED_KEYWORDS.has(key)) return false
    if (key === 'minItems' && typeof value === 'number' && value > 1) return false
    if (key === 'additionalProperties' && value !== false) return false
    if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) return false
    if (key !== 'enum' && key !== 'const' && key !== 'default' && !fitsNativeStructuredOutput(value)) return false
  }
  return true
}

/**
 * response_format → native `output_config.format` where the model has it, else a tool whose input
 * is the answer (moved back into `message.content` by the response mapping).
 */
export const toAnthropicResponseFormat = (
  format: ResponseFormat | null | undefined,
  { quirks, thinking, tools }: { quirks: ModelQuirks; thinking: boolean; tools: AnthropicTools },
  adjustments: Adjustments,
): ResponseFormatResult => {
  if (!format || format.type === 'text') return { ...tools, jsonTool: false }
  const schema = format.type === 'json_schema' ? format.json_schema.schema : undefined
  if (schema && quirks.nativeStructuredOutput && fitsNativeStructuredOutput(schema)) {
    return { ...tools, outputFormat: { type: 'json_schema', schema }, jsonTool: false }
  }
  adjustments.add('response_format', 'converted')
  const jsonTool: ToolDefinition = {
    name: JSON_TOOL_NAME,
    description: 'Respond with the answer as JSON, by calling this tool with the answer as its input.',
    input_schema: schema ?? { type: 'object' },
  }
  const clientTools = tools.tools?.length ? tools.tools : undefined
  // A forced tool is a 400 with thinking, and would stop the model from using the client's tools.
  const offerOnly = thinking || clientTools !== undefined
  if (offerOnly) adjustments.add('response_format.tool_choice', 'converted')
  const toolChoice: ToolChoiceParam = offerOnly ? (tools.tool_choice ?? { type: 'auto' }) : { type: 'tool', name: JSON_TOOL_NAME }
  return { tools: [...(clientTools ?? []), jsonTool], tool_choice: toolChoice, jsonTool: true }
}
