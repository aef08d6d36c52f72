import type { Message } from '../../src/anthropic/response-schema.ts'

/** An Anthropic Message for the mock to answer with; only what a test cares about is given. */
export const anthropicMessage = (fields: Pick<Message, 'id' | 'content' | 'stop_reason'> & Partial<Message>): Message => ({
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  stop_sequence: null,
  usage: { input_tokens: 100, output_tokens: 20 },
  ...fields,
})
