import type { AnthropicTool, ToolChoiceParam, WebSearchServerTool } from '../anthropic/request-schema.ts'
import { invalidRequest } from '../errors/openai-error.ts'
import type { CustomTool, FunctionTool, ResponsesRequest, ResponsesTool, WebSearchTool } from '../openai/responses-request-schema.ts'
import type { Adjustments } from './adjustments.ts'
import type { ModelQuirks } from './model-quirks.ts'
import { toAnthropicToolName } from './responses-tool-names.ts'
import { type AnthropicTools, toToolDefinition, withParallelRule } from './to-anthropic-tools.ts'
import type { ClientTool } from './to-responses-output.ts'

export type ResponsesTools = AnthropicTools & {
  /** Upstream tool name → the client's tool, for the answer's items. */
  toolNames: Map<string, ClientTool>
}

/** Hosted tools OpenAI runs itself; reported by name when dropped. Anything newer is `tools.other`. */
const HOSTED_TOOLS: ReadonlySet<string> = new Set([
  'file_search',
  'computer',
  'computer_use_preview',
  'mcp',
  'code_interpreter',
  'programmatic_tool_calling',
  'image_generation',
  'local_shell',
  'shell',
  'tool_search',
  'apply_patch',
])
const WEB_SEARCH_TYPES: ReadonlySet<string> = new Set(['web_search', 'web_search_2025_08_26', 'web_search_preview', 'web_search_preview_2025_03_11'])
const WEB_SEARCH_NAME = 'web_search'

/** Never mutated: every custom tool of every request shares it. */
const CUSTOM_INPUT_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze({
  type: 'object',
  properties: { input: { type: 'string', description: 'The raw input of this tool, as plain text (not JSON).' } },
  required: ['input'],
  additionalProperties: false,
})

/** A freeform tool takes one string; the model writes it as the `input` property. */
const toCustomDefinition = (tool: CustomTool, name: string, adjustments: Adjustments): AnthropicTool => {
  const parts = tool.description ? [tool.description] : []
  const { format } = tool
  if (format?.type === 'grammar' && format.definition) {
    parts.push(`The input must follow this ${format.syntax ? `${format.syntax} ` : ''}grammar:\n${format.definition}`)
    adjustments.add('tools.custom.format', 'converted')
  }
  const definition: AnthropicTool = { name, input_schema: CUSTOM_INPUT_SCHEMA }
  if (parts.length > 0) definition.description = parts.join('\n\n')
  return definition
}

/** Codex's `external_web_access:false` asks for cached results only, which the server tool cannot promise. */
const toWebSearch = (tool: WebSearchTool, quirks: ModelQuirks): WebSearchServerTool | undefined => {
  if (!quirks.webSearch || tool.external_web_access === false) return undefined
  const server: WebSearchServerTool = { type: 'web_search_20250305', name: WEB_SEARCH_NAME }
  const domains = tool.filters?.allowed_domains
  if (domains?.length) server.allowed_domains = domains
  const location = tool.user_location
  if (location) {
    const { city, country, region, timezone } = location
    server.user_location = {
      type: 'approximate',
      ...(city == null ? {} : { city }),
      ...(country == null ? {} : { country }),
      ...(region == null ? {} : { region }),
      ...(timezone == null ? {} : { timezone }),
    }
  }
  return server
}

const isWebSearch = (tool: ResponsesTool): tool is WebSearchTool => WEB_SEARCH_TYPES.has(tool.type)

/** One client tool → the upstream's, or nothing (reported). */
const collectTools = (tools: readonly ResponsesTool[], quirks: ModelQuirks, adjustments: Adjustments) => {
  const definitions: AnthropicTool[] = []
  const toolNames = new Map<string, ClientTool>()
  const add = (tool: FunctionTool | CustomTool, namespace: string | undefined) => {
    const name = toAnthropicToolName(tool.name, namespace)
    if (toolNames.has(name)) throw invalidRequest(`two tools share the name ${JSON.stringify(name)}`, 'tools')
    toolNames.set(name, namespace === undefined ? { type: tool.type, name: tool.name } : { type: tool.type, name: tool.name, namespace })
    definitions.push(tool.type === 'function' ? toToolDefinition(tool, quirks, adjustments, name) : toCustomDefinition(tool, name, adjustments))
  }
  for (const tool of tools) {
    if (tool.type === 'function' || tool.type === 'custom') add(tool as FunctionTool | CustomTool, undefined)
    else if (tool.type === 'namespace' && 'tools' in tool) for (const inner of tool.tools as (FunctionTool | CustomTool)[]) add(inner, tool.name as string)
    else if (isWebSearch(tool)) {
      const server = toWebSearch(tool, quirks)
      if (server && !definitions.some((definition) => 'type' in definition)) definitions.push(server)
      else adjustments.add('tools.web_search', 'dropped')
    } else adjustments.add(`tools.${HOSTED_TOOLS.has(tool.type) ? tool.type : 'other'}`, 'dropped')
  }
  return { definitions, toolNames }
}

type AllowedTool = { type: string; name?: string; namespace?: unknown }

const isAllowed = (definition: AnthropicTool, allowed: readonly AllowedTool[], toolNames: ReadonlyMap<string, ClientTool>) => {
  if ('type' in definition) return allowed.some((entry) => WEB_SEARCH_TYPES.has(entry.type))
  const client = toolNames.get(definition.name)
  return allowed.some((entry) => entry.name === client?.name && (entry.namespace === undefined || entry.namespace === client?.namespace))
}

/** tool_choice → the upstream's; `allowed_tools` also narrows the tools sent. */
const toToolChoice = (request: ResponsesRequest, definitions: AnthropicTool[], toolNames: ReadonlyMap<string, ClientTool>, adjustments: Adjustments) => {
  const choice = request.tool_choice
  if (choice === undefined || choice === 'auto') return { definitions, choice: { type: 'auto' } as ToolChoiceParam }
  if (choice === 'none') return { definitions, choice: { type: 'none' } as ToolChoiceParam }
  if (choice === 'required') return { definitions, choice: { type: 'any' } as ToolChoiceParam }
  if (choice.type === 'function' || choice.type === 'custom') {
    return { definitions, choice: { type: 'tool', name: toAnthropicToolName(choice.name) } as ToolChoiceParam }
  }
  if (choice.type === 'allowed_tools') {
    const allowed = definitions.filter((definition) => isAllowed(definition, choice.tools, toolNames))
    return { definitions: allowed, choice: { type: choice.mode === 'required' ? 'any' : 'auto' } as ToolChoiceParam }
  }
  if (WEB_SEARCH_TYPES.has(choice.type) && definitions.some((definition) => 'type' in definition)) {
    return { definitions, choice: { type: 'tool', name: WEB_SEARCH_NAME } as ToolChoiceParam }
  }
  adjustments.add('tool_choice', 'ignored')
  return { definitions, choice: { type: 'auto' } as ToolChoiceParam }
}

/**
 * tools / tool_choice / parallel_tool_calls of a Responses request. Function tools keep their whole
 * schema (shared with chat completions); namespaces are flattened; hosted tools the upstream cannot
 * run are dropped and reported, never refused (Codex CLI sends several with every request).
 */
export const toResponsesTools = (request: ResponsesRequest, quirks: ModelQuirks, adjustments: Adjustments): ResponsesTools => {
  const { definitions, toolNames } = collectTools(request.tools ?? [], quirks, adjustments)
  if (definitions.length === 0) {
    if (request.tool_choice !== undefined && request.tool_choice !== 'auto') adjustments.add('tool_choice', 'ignored')
    if (request.parallel_tool_calls != null) adjustments.add('parallel_tool_calls', 'ignored')
    return { toolNames }
  }
  const chosen = toToolChoice(request, definitions, toolNames, adjustments)
  // allowed_tools that names none of the tools: nothing to offer (the API takes no tool_choice without tools).
  if (chosen.definitions.length === 0) return { toolNames }
  return { tools: chosen.definitions, tool_choice: withParallelRule(chosen.choice, request.parallel_tool_calls), toolNames }
}
