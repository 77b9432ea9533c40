import type { FastifyInstance } from 'fastify'
import type { StaticRule } from '../config/compiled.js'
import { CorsOriginResultError, type CorsConfigError } from '../config/errors.js'
import type { ResultCache } from '../config/frozen.js'
import { checkStaticOrigin } from '../config/generated/checks.js'
import { compileStaticOrigin, NOT_ALLOWED, REFLECT_ORIGIN, type OriginCompilation } from '../config/origin.js'
import type { StaticOrigin } from '../config/types.js'

/** Which user function failed, for the error that says so. */
export interface UserFunctionKind {
  readonly name: string
  /** The coded error its failures become. */
  readonly Error: typeof CorsConfigError
}

export const ORIGIN_FUNCTION: UserFunctionKind = { name: 'origin function', Error: CorsOriginResultError }

/** What a user function threw or rejected with, as an Error (500); `throw undefined` or `reject('nope')` too, never a silent success. */
export function failure (reason: unknown, kind: UserFunctionKind): Error {
  if (reason instanceof Error) return reason
  const what = typeof reason === 'object' && reason !== null ? 'an object that is not an Error' : String(reason)
  return new kind.Error(`the ${kind.name} failed with ${what}; throw or reject with an Error`)
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
}

/**
 * Calls a user function and settles exactly once, whatever mix of callback, promise and return it
 * uses, or if it throws (§6.1); one that declares no callback parameter is called without one.
 */
export function callUserFunction<A> (
  fn: (this: FastifyInstance, arg: A, callback: never) => unknown,
  takesCallback: boolean,
  instance: FastifyInstance,
  arg: A,
  kind: UserFunctionKind,
  settle: (error: Error | null, value?: unknown) => void
): void {
  let settled = false
  const once = (error: unknown, value?: unknown): void => {
    if (settled) return
    settled = true
    // Any falsy first argument is no error, as @fastify/cors reads its callbacks (`cb(false, options)`).
    settle(error === null || error === undefined || error === false || error === 0 || error === '' ? null : failure(error, kind), value)
  }
  let returned: unknown
  try {
    returned = fn.call(instance, arg, (takesCallback ? once : undefined) as never)
  } catch (error) {
    once(failure(error, kind))
    return
  }
  if (isThenable(returned)) {
    returned.then((value) => once(null, value), (reason: unknown) => once(failure(reason, kind)))
  } else if (returned !== undefined || !takesCallback) {
    once(null, returned)
  }
}

/** Validates and compiles what an origin function resolved to, like a static option (docs/behaviour.md §2.1); a list is compiled once while it lives (§6.3). */
export function ruleForResult (value: unknown, credentials: boolean, results: ResultCache): StaticRule {
  if (typeof value === 'boolean') return value ? REFLECT_ORIGIN : NOT_ALLOWED
  const { rule, issues } = results.origin(value, 'result', (): OriginCompilation => {
    if (!checkStaticOrigin(value)) {
      const hint = value === undefined ? ' (a function that calls back must declare the callback as its second parameter)' : ''
      const shown = typeof value === 'object' ? JSON.stringify(value) : String(value)
      return { rule: NOT_ALLOWED, listed: [], warnings: [], issues: [{ path: 'origin()', message: `the origin function resolved to ${shown}; it must resolve to a boolean, a string origin, a RegExp or an array of those${hint}` }] }
    }
    return compileStaticOrigin(value as StaticOrigin, 'origin()')
  })
  if (issues.length > 0) {
    const first = issues[0].message
    throw new CorsOriginResultError(first.startsWith('the origin function') ? first : `the origin function resolved to an invalid origin: ${issues.map((issue) => issue.message).join('; ')}`)
  }
  if (credentials && rule.kind === 'any') {
    throw new CorsOriginResultError("the origin function resolved to '*' but credentials is true, and browsers reject that pair; resolve to true when this request's origin is allowed, or to the allowed origins")
  }
  return rule
}
