import type { FastifyInstance } from 'fastify'
import type { CompiledState } from '../config/compiled.js'
import type { PatternSegment } from './pattern.js'

/**
 * A registration, as the routes it owns know it: the state their policies are in (replaced whole
 * on reconfiguration), and the instance its user functions are called with.
 */
export interface Owner {
  readonly state: CompiledState
  readonly instance: FastifyInstance
}

/**
 * The link from a route to the registration that decides it (the policy is then the owner's for
 * the route's `config.cors`: `routePolicy`). One per registration (two: its own `OPTIONS *`
 * route has the other), made when the registration loads; never changed.
 */
export interface RouteEntry {
  readonly owner: Owner
  /** The plugin's own `OPTIONS *` route. */
  readonly catchAll: boolean
}

/**
 * What the table knows about the routes on one pattern that one registration decides alike,
 * from their final options (docs/behaviour.md §5.2): routes differing only by method share a record.
 */
export interface RouteRecord {
  readonly entry: RouteEntry
  /** Their final `config.cors`. */
  readonly cors: unknown
  readonly methods: readonly string[]
  /** The `host` constraint, which a preflight carries (its Host); a RegExp without `g` and `y`, as the router tests it. */
  readonly host: string | RegExp | undefined
  /** A `version` or custom constraint: a preflight cannot carry it, so the route may or may not serve the request (§5.4). */
  readonly derived: boolean
  /** The URL it was declared with (for the decisions published, §3.14). */
  readonly url: string
  /** Every route on the same pattern, for `methods: 'auto'`. */
  readonly pattern: Pattern
}

/** The routes declared on one pattern, and the methods they route (Access-Control-Allow-Methods under 'auto'). */
export interface Pattern {
  records: RouteRecord[]
  autoMethods: string
}

type ParamEdge = { readonly segment: Extract<PatternSegment, { kind: 'params' }>, readonly node: Node }
type WildcardEdge = { readonly prefix: string, readonly pattern: Pattern }
const NONE: readonly never[] = Object.freeze([])

/** One segment position of the trie. Its lists are made when a first child is added: most nodes are leaves (memory at 10,000 routes). */
class Node {
  statics: Map<string, Node> | null = null
  params: ParamEdge[] | null = null
  wildcards: WildcardEdge[] | null = null
  pattern: Pattern | null = null
}

/**
 * The routes the plugin saw, indexed by their patterns' segments (a trie), built once when the
 * app becomes ready. It answers two questions about a request path, at a cost that depends on
 * the path and the shapes of the routes, never on how many routes or constraint values there are:
 * which route is the one the router found with these params (`identify`), and which routes with
 * constraints a preflight cannot carry could serve it (`constrained`).
 */
export class RouteTable {
  private readonly root = new Node()
  /** Patterns made of static segments only, by path (`/a/b`): what a request without params can be on. */
  private readonly statics = new Map<string, Pattern>()
  private readonly derivedMethods = new Set<string>()
  private readonly methodLists = new Map<string, readonly string[]>()

  constructor (private readonly caseSensitive: boolean) {}

  /**
   * Adds a route under each of its shapes. On a pattern that has a record for a route that
   * differs only by method, the route joins that record (memory at 10,000 routes).
   */
  add (shapes: ReadonlyArray<readonly PatternSegment[]>, route: Omit<RouteRecord, 'pattern'>): void {
    for (const shape of shapes) {
      const pattern = this.patternOf(shape)
      if (shape.every((segment) => segment.kind === 'static')) this.statics.set(`/${shape.map((segment) => (segment as { text: string }).text).join('/')}`, pattern)
      const { records } = pattern
      const alike = records.findIndex((record) => record.entry === route.entry && record.cors === route.cors && record.host === route.host && record.derived === route.derived)
      const methods = alike === -1 ? route.methods : this.methodList([...records[alike].methods, ...route.methods])
      // Written out, not spread: V8 gives a spread copy with an added key a hidden class of its own.
      const record: RouteRecord = { entry: route.entry, cors: route.cors, methods, host: route.host, derived: route.derived, url: route.url, pattern }
      if (alike === -1) records.push(record)
      else records[alike] = record
      if (route.derived) for (const method of route.methods) this.derivedMethods.add(method)
    }
  }

  /** One list for each set of methods (memory at 10,000 routes). */
  methodList (methods: readonly string[]): readonly string[] {
    const key = [...new Set(methods)].join(',')
    let list = this.methodLists.get(key)
    if (list === undefined) this.methodLists.set(key, list = key.split(','))
    return list
  }

  /**
   * Once every route is in: joins the methods of each pattern's routes (docs/behaviour.md §3.5),
   * and copies the lists grown by push to lists of their length (memory at 10,000 routes).
   */
  seal (): void {
    const texts = new Map<string, string>()
    for (const pattern of this.patterns(true)) {
      pattern.records = pattern.records.slice()
      const methods = new Set(pattern.records.filter((record) => !record.entry.catchAll).flatMap((record) => record.methods))
      methods.delete('OPTIONS')
      // One string per distinct list, shared by the patterns that route it.
      const text = [...methods].join(', ')
      pattern.autoMethods = texts.get(text) ?? (texts.set(text, text), text)
    }
    this.methodLists.clear()
  }

  /** Every pattern, depth first (`trim`: copies the param lists grown by push to lists of their length). */
  patterns (trim = false): Pattern[] {
    const found: Pattern[] = []
    const visit = (node: Node): void => {
      if (trim && node.params !== null) node.params = node.params.slice()
      if (node.pattern !== null) found.push(node.pattern)
      for (const wildcard of node.wildcards ?? NONE) found.push(wildcard.pattern)
      for (const child of node.statics?.values() ?? []) visit(child)
      for (const { node: child } of node.params ?? NONE) visit(child)
    }
    visit(this.root)
    return found
  }

  private patternOf (shape: readonly PatternSegment[]): Pattern {
    let node = this.root
    for (const segment of shape) {
      if (segment.kind === 'wildcard') {
        node.wildcards ??= []
        let wildcard = node.wildcards.find((known) => known.prefix === segment.prefix)
        if (wildcard === undefined) node.wildcards.push(wildcard = { prefix: segment.prefix, pattern: { records: [], autoMethods: '' } })
        return wildcard.pattern
      }
      if (segment.kind === 'static') {
        node.statics ??= new Map()
        let child = node.statics.get(segment.text)
        if (child === undefined) node.statics.set(segment.text, child = new Node())
        node = child
      } else {
        node.params ??= []
        let param = node.params.find((known) => known.segment.key === segment.key)
        if (param === undefined) node.params.push(param = { segment, node: new Node() })
        node = param.node
      }
    }
    return (node.pattern ??= { records: [], autoMethods: '' })
  }

  /**
   * The routes on the pattern the router found for this path with these params (`findRoute`,
   * asked with the request's Host and no other constraint): patterns whose segments, filled
   * with the params in order, spell the path. Several only when patterns differ by a parameter
   * RegExp alone. Of those routes, the ones that serve `method` for `host` without a constraint
   * the preflight cannot carry (or, `derived`, only those with one); a host-constrained one wins
   * over one without (find-my-way).
   */
  identify (segments: readonly string[], params: Readonly<Record<string, string | undefined>>, method: string, host: string | undefined, derived = false): RouteRecord[] {
    const values = Object.entries(params)
    // No params: only a pattern of static segments can spell the path.
    if (values.length === 0) return this.identifyStatic(`/${segments.join('/')}`, method, host, derived)
    const found: Pattern[] = []
    const walk = (node: Node, depth: number, used: number): void => {
      if (depth === segments.length) {
        if (used === values.length && node.pattern !== null) found.push(node.pattern)
      } else {
        const child = node.statics?.get(segments[depth])
        if (child !== undefined) walk(child, depth + 1, used)
        for (const { segment, node: next } of node.params ?? NONE) {
          if (this.spells(segment, values, used, segments[depth])) walk(next, depth + 1, used + segment.names.length)
        }
      }
      if (used === values.length - 1 && values[used][0] === '*') {
        const rest = `/${segments.slice(depth).join('/')}`
        for (const { prefix, pattern } of node.wildcards ?? NONE) {
          if (rest.startsWith(prefix) && this.fold(values[used][1] as string) === rest.slice(prefix.length)) found.push(pattern)
        }
      }
    }
    walk(this.root, 0, 0)
    return this.servedOn(found, method, host, derived)
  }

  /** `identify` for a request the router found no params for, by its path (see `plainPath`). */
  identifyStatic (path: string, method: string, host: string | undefined, derived = false): RouteRecord[] {
    const pattern = this.statics.get(path)
    return pattern === undefined ? [] : this.servedOn([pattern], method, host, derived)
  }

  /** Each static route path, with the methods routed there. */
  * staticPaths (): Iterable<[string, string[]]> {
    for (const [path, pattern] of this.statics) yield [path, [...new Set(pattern.records.flatMap((record) => record.methods))]]
  }

  /** Whether some route of `method` has a constraint a preflight cannot carry (else `constrained` finds none). */
  derives (method: string): boolean {
    return this.derivedMethods.has(method)
  }

  /** The routes on these patterns that serve `method` for `host`; a host-constrained one wins over one without (find-my-way). */
  private servedOn (patterns: readonly Pattern[], method: string, host: string | undefined, derived: boolean): RouteRecord[] {
    const served: RouteRecord[] = []
    let hostConstrained = false
    for (const pattern of patterns) {
      for (const record of pattern.records) {
        if (record.derived !== derived || !record.methods.includes(method) || !allowsHost(record.host, host)) continue
        served.push(record)
        hostConstrained ||= record.host !== undefined
      }
    }
    return hostConstrained ? served.filter((record) => record.host !== undefined) : served
  }

  /** Routes with a constraint a preflight cannot carry whose pattern may match the path, for `method` and `host` (§5.4). */
  constrained (segments: readonly string[], method: string, host: string | undefined): RouteRecord[] {
    const found: RouteRecord[] = []
    const take = (pattern: Pattern | null): void => {
      for (const record of pattern?.records ?? []) if (record.derived && record.methods.includes(method) && allowsHost(record.host, host)) found.push(record)
    }
    const walk = (node: Node, depth: number): void => {
      const rest = `/${segments.slice(depth).join('/')}`
      for (const { prefix, pattern } of node.wildcards ?? NONE) if (rest.startsWith(prefix)) take(pattern)
      if (depth === segments.length) {
        take(node.pattern)
        return
      }
      const child = node.statics?.get(segments[depth])
      if (child !== undefined) walk(child, depth + 1)
      for (const { segment, node: next } of node.params ?? NONE) if (segment.matcher.test(segments[depth])) walk(next, depth + 1)
    }
    walk(this.root, 0)
    return found
  }

  /** True when the parameter segment, filled with the values from `used` on, is this path segment. */
  private spells (segment: Extract<PatternSegment, { kind: 'params' }>, values: ReadonlyArray<[string, string | undefined]>, used: number, text: string): boolean {
    const { statics, names } = segment
    let spelled = statics[0]
    for (let i = 0; i < names.length; i++) {
      const value = values[used + i]
      if (value === undefined || value[0] !== names[i]) return false
      spelled += this.fold(value[1] as string) + statics[i + 1]
    }
    return spelled === text
  }

  private fold (value: string): string {
    return this.caseSensitive ? value : value.toLowerCase()
  }
}

/** A host constraint allows the request's Host when equal to it, or a RegExp it matches (find-my-way's host strategy). */
function allowsHost (constraint: string | RegExp | undefined, host: string | undefined): boolean {
  if (constraint === undefined) return true
  if (host === undefined) return false
  return typeof constraint === 'string' ? constraint === host : constraint.test(host)
}
