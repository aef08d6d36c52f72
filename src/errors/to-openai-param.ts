import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors'

/** A JSON pointer of the validator (`/messages/0/role`) → OpenAI's `param` (`messages[0].role`). */
export const toOpenAIParam = (pointer: string): string | null => {
  if (pointer === '' || pointer === '/') return null
  let param = ''
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    param += /^\d+$/.test(segment) ? `[${segment}]` : param === '' ? segment : `.${segment}`
  }
  return param
}

const depth = (error: ValueError) => (error.path === '' ? 0 : error.path.split('/').length)

/**
 * "Expected union value" says little. Of the union's variants, the one the value meant is the one
 * that failed deepest and not on a literal (a wrong `type` or `role` means another variant); its
 * first error is the one worth reporting, refined again if it is itself a union.
 */
export const mostSpecificError = (error: ValueError): ValueError => {
  if (error.type !== ValueErrorType.Union || error.errors.length === 0) return error
  const firsts: ValueError[] = []
  for (const variant of error.errors) {
    const first = variant.First()
    if (first) firsts.push(first)
  }
  const meant = firsts.filter((e) => e.type !== ValueErrorType.Literal)
  const candidates = meant.length > 0 ? meant : firsts
  const deepest = candidates.reduce<ValueError | undefined>((best, e) => (best === undefined || depth(e) > depth(best) ? e : best), undefined)
  if (!deepest || depth(deepest) <= depth(error)) return error
  return mostSpecificError(deepest)
}

const describe = (error: ValueError, param: string | null) => {
  if (error.type === ValueErrorType.ObjectRequiredProperty) return `${param ?? 'body'} is required`
  if (error.type === ValueErrorType.Union) return `${param ?? 'body'} has an unexpected type or value`
  return `${param ?? 'body'}: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`
}

/** The first validation error → OpenAI's `param` and a message that names it. */
export const describeValidationError = (error: ValueError | undefined): { param: string | null; message: string } => {
  if (!error) return { param: null, message: 'the request body is invalid' }
  const specific = mostSpecificError(error)
  const param = toOpenAIParam(specific.path)
  return { param, message: describe(specific, param) }
}
