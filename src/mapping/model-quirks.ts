import { type Static, Type as t } from '@sinclair/typebox'

/**
 * What each model family accepts, as data: code asks `findModelQuirks`, never the model name.
 * Matched on the aliased id by prefix, first match wins. Source legend per row:
 * F = public Anthropic docs, R = API error text quoted in public issue reports, A = assumption.
 * Minimum cacheable prompts (C) come from third-party copies of the prompt-caching docs' table,
 * which disagree for some models: the lower value is kept, as a breakpoint below the real minimum
 * costs nothing (the request just runs uncached).
 * The evidence for each is in test/fixtures/FACTS.md §1 and §3.
 */
const ThinkingKind = t.Union([
  /** No extended thinking. */
  t.Literal('none'),
  /** `{type:"enabled", budget_tokens}`. */
  t.Literal('budget'),
  /** `{type:"adaptive"}` + `output_config.effort`; budget still accepted. */
  t.Literal('adaptive'),
  /** Adaptive only: `enabled` is a 400; thinking text is omitted unless `display:"summarized"`. */
  t.Literal('adaptive_only'),
])

/** both: temperature and top_p together; one: temperature wins, top_p dropped; none: neither, nor top_k. */
const SamplingRule = t.Union([t.Literal('both'), t.Literal('one'), t.Literal('none')])

/** What a model family accepts; MODEL_QUIRKS_JSON may override any of these per exact model id. */
export const ModelQuirkFields = t.Object(
  {
    thinking: ThinkingKind,
    sampling: SamplingRule,
    /** A trailing assistant message continues the answer (prefill). */
    prefill: t.Boolean(),
    /** `output_config.format` json_schema and `tools[].strict`. */
    nativeStructuredOutput: t.Boolean(),
    /** Highest `output_config.effort` the model takes, for `reasoning_effort: "xhigh"`. */
    topEffort: t.Union([t.Literal('max'), t.Literal('xhigh')]),
    maxOutputTokens: t.Optional(t.Integer({ minimum: 1 })),
    /**
     * The server web search tool (`web_search_20250305`): Responses `web_search` tools map to it. F for
     * 3.7 Sonnet and the 4.x models (web search tool docs); off for 3.5, whose first Sonnet lacks it. An
     * organisation must enable it in its Console: MODEL_QUIRKS_JSON turns it off per model where not.
     */
    webSearch: t.Boolean(),
    /** Shortest prompt (tokens) the model caches; automatic caching skips shorter ones. */
    minCacheTokens: t.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
)
export type ModelQuirks = Static<typeof ModelQuirkFields> & { readonly prefix: string }

export const ModelQuirksOverride = t.Partial(ModelQuirkFields, { additionalProperties: false })
export type ModelQuirksOverride = Static<typeof ModelQuirksOverride>

// Each family as the one before it changed it.
const legacy = {
  thinking: 'none',
  sampling: 'both',
  prefill: true,
  nativeStructuredOutput: false,
  topEffort: 'max',
  webSearch: false,
  minCacheTokens: 1024,
} as const
const claude37 = { ...legacy, thinking: 'budget', webSearch: true } as const
const claude4 = { ...claude37, sampling: 'one' } as const
const claude45 = { ...claude4, nativeStructuredOutput: true } as const
const claude46 = { ...claude45, thinking: 'adaptive', prefill: false } as const
const claude47 = { ...claude46, thinking: 'adaptive_only', sampling: 'none', topEffort: 'xhigh' } as const

export const MODEL_QUIRKS: readonly ModelQuirks[] = [
  { prefix: 'claude-3-haiku', ...legacy, maxOutputTokens: 4096, minCacheTokens: 2048 }, // A; cache C
  { prefix: 'claude-3-opus', ...legacy, maxOutputTokens: 4096 }, // A
  { prefix: 'claude-3-5-haiku', ...legacy, maxOutputTokens: 8192, minCacheTokens: 2048 }, // A; cache C
  { prefix: 'claude-3-5-', ...legacy, maxOutputTokens: 8192 }, // A
  { prefix: 'claude-3-7-sonnet', ...claude37, maxOutputTokens: 64_000 }, // thinking F, rest A
  { prefix: 'claude-sonnet-4-0', ...claude4, maxOutputTokens: 64_000 }, // F (retired 2026-07)
  { prefix: 'claude-sonnet-4-2', ...claude4, maxOutputTokens: 64_000 }, // dated id claude-sonnet-4-2025…
  { prefix: 'claude-opus-4-0', ...claude4, maxOutputTokens: 32_000 }, // A
  { prefix: 'claude-opus-4-2', ...claude4, maxOutputTokens: 32_000 }, // dated id claude-opus-4-2025…
  { prefix: 'claude-opus-4-1', ...claude4, maxOutputTokens: 32_000 }, // F; sampling R; no GA structured output
  { prefix: 'claude-sonnet-4-5', ...claude45, maxOutputTokens: 64_000 }, // F; sampling R
  { prefix: 'claude-haiku-4-5', ...claude45, maxOutputTokens: 64_000, minCacheTokens: 4096 }, // F; sampling F; cache C
  { prefix: 'claude-opus-4-5', ...claude45, maxOutputTokens: 64_000, minCacheTokens: 4096 }, // F; sampling R; cache C
  { prefix: 'claude-opus-4-6', ...claude46, maxOutputTokens: 128_000, minCacheTokens: 4096 }, // F; prefill R; cache C
  { prefix: 'claude-sonnet-4-6', ...claude46, maxOutputTokens: 128_000 }, // F; prefill R; cache C (1,024 or 2,048)
  { prefix: 'claude-opus-4-7', ...claude47, maxOutputTokens: 128_000, minCacheTokens: 2048 }, // F; sampling F; cache C (2,048 or 4,096)
  { prefix: 'claude-opus-4-8', ...claude47, maxOutputTokens: 128_000 }, // F; cache C
  { prefix: 'claude-fable-5', ...claude47, maxOutputTokens: 128_000, minCacheTokens: 512 }, // F; cache C
  { prefix: 'claude-mythos', ...claude47, maxOutputTokens: 128_000, minCacheTokens: 512 }, // A, as Fable 5; cache C
  { prefix: 'claude-opus-5', ...claude47, maxOutputTokens: 128_000, minCacheTokens: 512 }, // A, as Opus 4.8; cache C
  { prefix: 'claude-sonnet-5', ...claude47, maxOutputTokens: 128_000 }, // A: rejects non-default sampling (F)
  { prefix: 'claude-haiku-5', ...claude47, maxOutputTokens: 128_000 }, // A
]

/**
 * Any other model: the request passes as sent, within MAX_TOKENS_HARD_LIMIT. No server web search:
 * an unknown id may be another vendor's model behind an Anthropic-compatible upstream.
 */
export const DEFAULT_QUIRKS: ModelQuirks = { prefix: '', ...claude37, webSearch: false }

/** The first row whose prefix the (aliased) id starts with, then the operator's override for that exact id. */
export const findModelQuirks = (modelId: string, overrides?: ReadonlyMap<string, ModelQuirksOverride>): ModelQuirks => {
  const row = MODEL_QUIRKS.find((quirks) => modelId.startsWith(quirks.prefix)) ?? DEFAULT_QUIRKS
  const override = overrides?.get(modelId)
  return override ? { ...row, ...override } : row
}
