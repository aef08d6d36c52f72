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

/** Errors that only say the value is of another JSON type than the schema's. */
const KIND_ERRORS: ReadonlySet<ValueErrorType> = new Set([
  ValueErrorType.String,
  ValueErrorType.Number,
  ValueErrorType.Integer,
  ValueErrorType.Boolean,
  ValueErrorType.Null,
  ValueErrorType.Array,
  ValueErrorType.Object,
])

type Refined = { error: ValueError; expected?: unknown[] }

/**
 * "Expected union value" says little. A variant that fails on a literal (a wrong `type` or
 * `role`) is one the client did not mean; of the others, the one that failed deepest says what
 * is wrong. When every variant fails on a literal, the client's discriminant itself is wrong:
 * report that field with the values it may take.
 */
const refine = (error: ValueError): Refined => {
  if (error.type !== ValueErrorType.Union || error.errors.length === 0) return { error }
  const meant: ValueError[] = []
  const literals: ValueError[] = []
  for (const variant of error.errors) {
    const all = [...variant]
    const literal = all.find((e) => e.type === ValueErrorType.Literal)
    if (literal) literals.push(literal)
    else if (all[0]) meant.push(all[0])
  }
  if (meant.length === 0 && literals.length > 0) {
    const shallowest = literals.reduce((best, e) => (depth(e) < depth(best) ? e : best))
    const expected = literals.filter((e) => e.path === shallowest.path).map((e) => (e.schema as { const?: unknown }).const)
    return { error: shallowest, expected }
  }
  // A variant of another JSON type than the value is not the one meant, when another variant is of
  // its type: a 65-item `stop` is too long, not "expected string".
  const sameKind = meant.filter((e) => !(KIND_ERRORS.has(e.type) && e.path === error.path))
  const deepest = (sameKind.length > 0 ? sameKind : meant).reduce<ValueError | undefined>(
    (best, e) => (best === undefined || depth(e) > depth(best) ? e : best),
    undefined,
  )
  if (!deepest || depth(deepest) < depth(error)) return { error }
  return refine(deepest)
}

const describe = ({ error, expected }: Refined, param: string | null) => {
  const name = param ?? 'body'
  if (expected) return `${name} must be one of: ${expected.map((value) => JSON.stringify(value)).join(', ')}`
  if (error.type === ValueErrorType.ObjectRequiredProperty) return `${name} is required`
  if (error.type === ValueErrorType.Union) return `${name} has an unexpected type or value`
  return `${name}: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`
}

/** The first validation error → OpenAI's `param` and a message that names it. */
export const describeValidationError = (error: ValueError | undefined): { param: string | null; message: string } => {
  if (!error) return { param: null, message: 'the request body is invalid' }
  const refined = refine(error)
  const param = toOpenAIParam(refined.error.path)
  return { param, message: describe(refined, param) }
}
