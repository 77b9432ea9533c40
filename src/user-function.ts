import type { FastifyInstance } from 'fastify'
import { CorsOriginResultError, type CorsConfigError } from './errors.js'
import { compileStaticOrigin, NOT_ALLOWED, REFLECT_ORIGIN, type StaticRule } from './origin.js'
import { checkStaticOrigin } from './generated/checks.js'
import { isPlainObject } from './options.js'
import type { StaticOrigin } from './schema.js'

/** Which user function failed, for the error that says so. */
export interface UserFunctionKind {
  readonly name: string
  /** The coded error its failures become. */
  readonly Error: typeof CorsConfigError
}

export const ORIGIN_FUNCTION: UserFunctionKind = { name: 'origin function', Error: CorsOriginResultError }

/**
 * What a user function threw or rejected with, as an Error for Fastify's error handler (500).
 * `throw undefined` or `reject('nope')` is a failure too, never a silent success.
 */
export function failure (reason: unknown, kind: UserFunctionKind): Error {
  if (reason instanceof Error) return reason
  const what = typeof reason === 'object' && reason !== null ? 'an object that is not an Error' : String(reason)
  return new kind.Error(`the ${kind.name} failed with ${what}; throw or reject with an Error`)
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
}

/**
 * Calls a user function (origin function or delegator) and settles exactly once, whatever mix
 * of callback, promise and plain return it uses, or if it throws (docs/behaviour.md §6.1). A
 * function that declares no callback parameter (`async (origin) => ...`) is called without one
 * and settles with what it returns or resolves to. A callback called with a null or undefined
 * error succeeds with its value.
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
    settle(error === null || error === undefined ? null : failure(error, kind), value)
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

/**
 * A copy of what a user function returned, deep for arrays and plain objects, to tell later
 * whether the same object still holds the same values: a function may return one object
 * and change it between calls (docs/behaviour.md §6.3).
 */
export function snapshot (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snapshot)
  if (value instanceof RegExp) return { regexp: value, source: value.source, flags: value.flags }
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {}
    for (const key of Object.keys(value)) copy[key] = snapshot(value[key])
    return copy
  }
  return value
}

/** True when `value` still holds what `copy` (a snapshot) recorded. */
export function unchanged (copy: unknown, value: unknown): boolean {
  if (Array.isArray(value)) {
    return Array.isArray(copy) && copy.length === value.length && value.every((item, index) => unchanged(copy[index], item))
  }
  if (value instanceof RegExp) {
    const recorded = copy as { regexp?: unknown, source?: unknown, flags?: unknown }
    return recorded.regexp === value && recorded.source === value.source && recorded.flags === value.flags
  }
  if (isPlainObject(value)) {
    if (!isPlainObject(copy)) return false
    const keys = Object.keys(value)
    return keys.length === Object.keys(copy).length && keys.every((key) => Object.hasOwn(copy, key) && unchanged(copy[key], value[key]))
  }
  return copy === value
}

// Results of origin functions, compiled once per distinct value: strings by value, arrays and
// RegExps by identity, reused only while they hold what was compiled.
const compiledByIdentity = new WeakMap<object, { readonly copy: unknown, readonly rule: StaticRule }>()
const compiledByString = new Map<string, StaticRule>()
const STRING_CACHE_LIMIT = 1000

/** Validates and compiles what an origin function resolved to, like a static option (docs/behaviour.md §2.1). */
export function ruleForResult (value: unknown, credentials: boolean): StaticRule {
  if (typeof value === 'boolean') return value ? REFLECT_ORIGIN : NOT_ALLOWED
  let rule: StaticRule | undefined
  if (typeof value === 'string') {
    rule = compiledByString.get(value)
  } else if (typeof value === 'object' && value !== null) {
    const known = compiledByIdentity.get(value)
    if (known !== undefined && unchanged(known.copy, value)) rule = known.rule
  }
  if (rule === undefined) {
    if (!checkStaticOrigin(value)) {
      const hint = value === undefined ? ' (a function that calls back must declare the callback as its second parameter)' : ''
      throw new CorsOriginResultError(`the origin function resolved to ${typeof value === 'object' ? JSON.stringify(value) : String(value)}; it must resolve to a boolean, a string origin, a RegExp or an array of those${hint}`)
    }
    const compiled = compileStaticOrigin(value as StaticOrigin, 'origin()')
    if (compiled.issues.length > 0) {
      throw new CorsOriginResultError(`the origin function resolved to an invalid origin: ${compiled.issues.map((issue) => issue.message).join('; ')}`)
    }
    rule = compiled.rule
    if (typeof value === 'string') {
      if (compiledByString.size >= STRING_CACHE_LIMIT) compiledByString.clear()
      compiledByString.set(value, rule)
    } else {
      compiledByIdentity.set(value as object, { copy: snapshot(value), rule })
    }
  }
  if (credentials && rule.kind === 'any') {
    throw new CorsOriginResultError("the origin function resolved to '*' but credentials is true; browsers reject that pair. Resolve to true to reflect the origin instead")
  }
  return rule
}
