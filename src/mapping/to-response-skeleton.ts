import type { ResponsesRequest } from '../openai/responses-request-schema.ts'
import type { ResponseSkeleton } from '../openai/responses-schema.ts'
import type { ResponsesRequestPlan } from './responses-to-anthropic.ts'

/** The response fields known before the answer: echoes of the request, `model` as the client named it. */
export const toResponseSkeleton = (
  request: ResponsesRequest,
  plan: ResponsesRequestPlan,
  { id, createdAt }: { id: string; createdAt: number },
): ResponseSkeleton => ({
  id,
  created_at: createdAt,
  model: plan.requestedModel,
  instructions: request.instructions ?? null,
  max_output_tokens: request.max_output_tokens ?? null,
  metadata: request.metadata ?? {},
  parallel_tool_calls: request.parallel_tool_calls ?? true,
  previous_response_id: request.previous_response_id ?? null,
  reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
  store: plan.store,
  temperature: request.temperature ?? null,
  text: { format: request.text?.format ?? { type: 'text' } },
  tool_choice: request.tool_choice ?? 'auto',
  tools: request.tools ?? [],
  top_p: request.top_p ?? null,
  truncation: request.truncation ?? 'disabled',
})
