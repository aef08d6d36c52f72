import { Elysia } from 'elysia'
import type { Config } from '../config/env-schema.ts'
import { OpenAIError } from '../errors/openai-error.ts'

/**
 * GET /v1/models (and /v1/models/{id}): what this gateway serves, as an OpenAI model list: the
 * alias names clients use, their targets, DEFAULT_MODEL and the models of MODEL_CONTEXT_LIMITS_JSON.
 * Built once at start-up.
 */
export const modelsRoute = (config: Config, startedAt: number) => {
  const ids = new Set<string>()
  if (config.defaultModel) ids.add(config.defaultModel)
  for (const [from, to] of config.modelAliases) ids.add(from).add(to)
  for (const id of config.modelContextLimits.keys()) ids.add(id)
  const models = [...ids].map((id) => ({ id, object: 'model', created: startedAt, owned_by: config.modelAliases.has(id) ? 'gateway-alias' : 'anthropic' }))
  const byId = new Map(models.map((model) => [model.id, JSON.stringify(model)]))
  const list = JSON.stringify({ object: 'list', data: models })
  /** The id in the path, or undefined when its percent-escapes are broken (no model has that name). */
  const idOf = (path: string) => {
    try {
      return decodeURIComponent(path)
    } catch {
      return undefined
    }
  }
  return new Elysia({ name: 'models' })
    .get('/v1/models', ({ set }) => {
      set.headers['content-type'] = 'application/json'
      return list
    })
    .get('/v1/models/*', ({ params, set }) => {
      const id = idOf(params['*'])
      const model = id === undefined ? undefined : byId.get(id)
      if (!model) {
        throw new OpenAIError({
          status: 404,
          type: 'invalid_request_error',
          code: 'model_not_found',
          param: 'model',
          message: `The model '${params['*']}' is not served by this gateway`,
        })
      }
      set.headers['content-type'] = 'application/json'
      return model
    })
}
