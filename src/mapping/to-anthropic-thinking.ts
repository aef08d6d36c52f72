import type { OutputConfig, ThinkingParam } from '../anthropic/request-schema.ts'
import type { ChatCompletionRequest, ReasoningEffort } from '../openai/request-schema.ts'
import type { Adjustments } from './adjustments.ts'
import type { ModelQuirks } from './model-quirks.ts'

/** Budgets per reasoning_effort on budget models (our choice; the API's floor is 1024). */
export const THINKING_BUDGETS: Record<Exclude<ReasoningEffort, 'none'>, number> = {
  minimal: 1024,
  low: 2048,
  medium: 4096,
  high: 8192,
  xhigh: 16384,
}

export const MIN_THINKING_BUDGET = 1024

const ADAPTIVE_EFFORT: Record<Exclude<ReasoningEffort, 'none' | 'xhigh'>, string> = {
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
}

const toEffort = (effort: Exclude<ReasoningEffort, 'none'>, quirks: ModelQuirks) => (effort === 'xhigh' ? quirks.topEffort : ADAPTIVE_EFFORT[effort])

export type ThinkingRequest = { thinking?: ThinkingParam; effort?: string }

/** reasoning_effort → thinking (+ output_config.effort); a `thinking` object passes as sent. */
export const toAnthropicThinking = (
  request: Pick<ChatCompletionRequest, 'thinking' | 'reasoning_effort'>,
  quirks: ModelQuirks,
  adjustments: Adjustments,
): ThinkingRequest => {
  if (request.thinking) {
    if (request.reasoning_effort != null) adjustments.add('reasoning_effort', 'ignored')
    return { thinking: request.thinking as ThinkingParam }
  }
  const effort = request.reasoning_effort
  if (effort == null || effort === 'none') return {}
  switch (quirks.thinking) {
    case 'none':
      adjustments.add('reasoning_effort', 'ignored')
      return {}
    case 'budget':
      return { thinking: { type: 'enabled', budget_tokens: THINKING_BUDGETS[effort] } }
    case 'adaptive':
      return { thinking: { type: 'adaptive' }, effort: toEffort(effort, quirks) }
    case 'adaptive_only':
      // These models omit thinking text by default; reasoning_content needs the summary.
      return { thinking: { type: 'adaptive', display: 'summarized' }, effort: toEffort(effort, quirks) }
    default: {
      const unreachable: never = quirks.thinking
      return unreachable
    }
  }
}

export const withEffort = (effort: string | undefined, outputConfig: OutputConfig | undefined): OutputConfig | undefined =>
  effort === undefined ? outputConfig : { ...outputConfig, effort }

/**
 * The API wants budget_tokens < max_tokens. A budget that no longer fits a clamped max_tokens is
 * shrunk to fit, or thinking is switched off when less than the API's 1024 minimum is left.
 */
export const fitThinkingBudget = <T extends { type?: unknown; budget_tokens?: unknown }>(
  thinking: T | undefined,
  maxTokens: number,
  adjustments: Adjustments,
): T | undefined => {
  if (thinking?.type !== 'enabled' || typeof thinking.budget_tokens !== 'number' || thinking.budget_tokens < maxTokens) return thinking
  if (maxTokens - 1 < MIN_THINKING_BUDGET) {
    adjustments.add('thinking', 'disabled')
    return undefined
  }
  adjustments.add('thinking.budget_tokens', 'clamped')
  return { ...thinking, budget_tokens: maxTokens - 1 }
}
