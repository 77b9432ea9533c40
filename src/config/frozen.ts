import { types } from 'node:util'

interface Cached<T> {
  readonly compilation: T
  /** The RegExps of the list with what they held when compiled: `RegExp.prototype.compile` can change one in place. */
  readonly regexps: ReadonlyArray<readonly [RegExp, string, string]>
}

/**
 * What user functions return, compiled once per object (§6.3): plain data (plain objects and
 * arrays all the way down) is frozen when first seen, so what was compiled from it holds while it
 * lives; anything else (class instances, getters, proxies) is read anew. One per registration.
 */
export class ResultCache {
  private readonly frozen = new WeakSet<object>()
  private readonly origins = new WeakMap<object, Map<string, Cached<unknown>>>()
  private readonly wildcards = new WeakMap<object, boolean>()
  private readonly regexps = new WeakMap<object, boolean>()

  /** True when `value` is plain data, now frozen (or a primitive, RegExp or function): safe to compile once per identity. */
  freeze (value: unknown): boolean {
    if (typeof value !== 'object' || value === null || value instanceof RegExp || this.frozen.has(value)) return true
    const proto = Object.getPrototypeOf(value)
    const plain = Array.isArray(value) ? proto === Array.prototype : proto === Object.prototype || proto === null
    if (!plain || types.isProxy(value)) return false
    for (const descriptor of Object.values(Object.getOwnPropertyDescriptors(value))) {
      if (!('value' in descriptor) || !this.freeze(descriptor.value)) return false
    }
    Object.freeze(value)
    this.frozen.add(value)
    return true
  }

  /** The compilation of an origin value under `key`, reused for a list frozen here or a RegExp (checked for `RegExp.prototype.compile`). */
  origin<T> (value: unknown, key: string, compile: () => T): T {
    if (!(value instanceof RegExp) && !(Array.isArray(value) && this.freeze(value))) return compile()
    let byKey = this.origins.get(value as object)
    if (byKey === undefined) this.origins.set(value as object, byKey = new Map())
    const known = byKey.get(key)
    if (known !== undefined && known.regexps.every(([regexp, source, flags]) => regexp.source === source && regexp.flags === flags)) return known.compilation as T
    const compilation = compile()
    byKey.set(key, { compilation, regexps: regexpsIn([value]).map((regexp) => [regexp, regexp.source, regexp.flags] as const) })
    return compilation
  }

  /** Whether an origin value holds '*', remembered for a list frozen here. */
  holdsAnyOrigin (value: unknown): boolean {
    if (!Array.isArray(value) || !this.freeze(value)) return holdsAnyOrigin(value)
    let holds = this.wildcards.get(value)
    if (holds === undefined) this.wildcards.set(value, holds = holdsAnyOrigin(value))
    return holds
  }

  /** Whether plain data holds a RegExp (remembered per list): `RegExp.prototype.compile` can change one, so it is never reused by identity. */
  holdsRegExp (value: unknown): boolean {
    if (value instanceof RegExp) return true
    if (!Array.isArray(value)) return typeof value === 'object' && value !== null && Object.values(value).some((item) => this.holdsRegExp(item))
    let holds = this.regexps.get(value)
    if (holds === undefined) this.regexps.set(value, holds = value.some((item) => this.holdsRegExp(item)))
    return holds
  }

  /** True for a list compiled here: it passed the schema check then, and is frozen since. */
  knows (value: unknown): boolean {
    return Array.isArray(value) && this.origins.has(value)
  }
}

/** True for `'*'` or a (nested) list holding it. */
export function holdsAnyOrigin (origin: unknown): boolean {
  return origin === '*' || (Array.isArray(origin) && origin.some(holdsAnyOrigin))
}

function regexpsIn (list: readonly unknown[]): RegExp[] {
  return list.flatMap((item): RegExp[] => Array.isArray(item) ? regexpsIn(item) : item instanceof RegExp ? [item] : [])
}
