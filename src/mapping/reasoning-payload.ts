import { type Static, Type as t } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { RedactedThinkingBlock, ThinkingBlock } from '../anthropic/request-schema.ts'
import { nestsDeeperThan } from '../http/read-json-body.ts'

/** A thinking block as the Messages API wants it back: text and signature, or the redacted data. */
export const ReasoningBlock = t.Union([ThinkingBlock, RedactedThinkingBlock])
export type ReasoningBlock = Static<typeof ReasoningBlock>

const isReasoningBlock = TypeCompiler.Compile(ReasoningBlock)

/** Versioned, so a later encoding (e.g. a sealed one) can tell its payloads from these. */
const PREFIX = 'gw1.'
/** A block is one flat object: anything nested deeper is not ours. */
const MAX_DEPTH = 1

/**
 * A reasoning item's `encrypted_content`: the whole block, signature included, verbatim, so it
 * round-trips through clients that keep no state (`store:false`). Opaque to clients by contract,
 * not by cryptography: the upstream checks the signature when the block comes back.
 */
export const toEncryptedReasoning = (block: ReasoningBlock): string => {
  const exact = block.type === 'thinking' ? { type: block.type, thinking: block.thinking, signature: block.signature } : { type: block.type, data: block.data }
  return PREFIX + Buffer.from(JSON.stringify(exact)).toString('base64url')
}

/** The block an `encrypted_content` carries; undefined for anything this gateway did not make. */
export const fromEncryptedReasoning = (text: string): ReasoningBlock | undefined => {
  if (!text.startsWith(PREFIX)) return undefined
  const json = Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8')
  if (nestsDeeperThan(json, MAX_DEPTH)) return undefined
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return undefined
  }
  return isReasoningBlock.Check(value) ? value : undefined
}
