// Plain TypeBox: Elysia's `t.Integer` also accepts numeric strings (see openai/request-schema.ts).
import { type Static, Type as t } from '@sinclair/typebox'

/**
 * What the gateway itself reads of an Anthropic-native request (`/v1/messages`,
 * `/v1/messages/count_tokens`); every other field goes upstream as sent, for the API to check.
 */
export const NativeMessagesRequest = t.Object(
  {
    model: t.Optional(t.String({ minLength: 1 })),
    max_tokens: t.Optional(t.Integer({ minimum: 1 })),
    messages: t.Array(t.Unknown(), { maxItems: 4096 }),
    stream: t.Optional(t.Boolean()),
    system: t.Optional(t.Unknown()),
    tools: t.Optional(t.Array(t.Unknown())),
    thinking: t.Optional(t.Unknown()),
  },
  { additionalProperties: true },
)
export type NativeMessagesRequest = Static<typeof NativeMessagesRequest>
