import { invalidRequest } from '../errors/openai-error.ts'
import { MAX_JSON_DEPTH, nestsDeeperThan } from './read-json-body.ts'

/**
 * JSON a client carries inside a string field (tool-call `arguments`, and the like): held to the
 * body's nesting limit, checked before parsing and without recursion, so no string can overflow
 * the stack or stall the worker. Every failure is a 400 naming the field (`param`).
 */
export const parseJsonField = (text: string, param: string): unknown => {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw invalidRequest(`${param} nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`, param)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw invalidRequest(`${param} is not valid JSON`, param)
  }
}
