import type { Config } from '../config/env-schema.ts'
import { invalidRequest } from '../errors/openai-error.ts'

/**
 * The model a request names (else DEFAULT_MODEL), and the id sent upstream after MODEL_ALIASES.
 * Answers carry the first, so aliasing stays invisible to the client.
 */
export const resolveModel = (model: string | undefined, options: Pick<Config, 'defaultModel' | 'modelAliases'>) => {
  const requestedModel = model ?? options.defaultModel
  if (requestedModel === undefined) throw invalidRequest('you must provide a model parameter', 'model')
  return { requestedModel, model: options.modelAliases.get(requestedModel) ?? requestedModel }
}
