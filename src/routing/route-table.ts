import type { FastifyInstance } from 'fastify'
import type { CompiledState } from '../config/compiled.js'
import type { PatternSegment } from './pattern.js'

/** A registration, as its routes know it: the state their policies are in (replaced whole on reconfiguration), the instance for its user functions. */
export interface Owner {
  readonly state: CompiledState
  readonly instance: FastifyInstance
}

/** The link from a route to the registration that decides it: two per registration (one for its own `OPTIONS *`), never changed. */
export interface RouteEntry {
  readonly owner: Owner
  /** The plugin's own `OPTIONS *` route. */
  readonly catchAll: boolean
}

/** The routes on one pattern that one registration decides alike, from their final options (§5.2): routes differing only by method share one. */
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
  /** The methods routed on its pattern, by every route there (Access-Control-Allow-Methods under 'auto'); set when the table is sealed. */
  readonly autoMethods: string
}

type ParamSegment = Extract<PatternSegment, { kind: 'params' }>
type WildcardEdge = { readonly prefix: string, readonly node: Node }
const NONE: readonly never[] = Object.freeze([])

/** A position in the trie; `records`: the routes whose pattern ends here. Lists are made on first use: most nodes are leaves (memory). */
class Node {
  statics: Map<string, Node> | null = null
  params: ParamNode[] | null = null
  wildcards: WildcardEdge[] | null = null
  records: RouteRecord[] | null = null
  constructor (readonly segment: ParamSegment | null = null) {}
}

/** A node reached by a parameter segment. */
type ParamNode = Node & { readonly segment: ParamSegment }

/**
 * The routes the plugin saw, in a trie of their patterns' segments, built when the app becomes
 * ready. It says which route the router found with these params (`identify`) and which routes with
 * constraints a preflight cannot carry could serve a path (`constrained`), at a cost that never
 * depends on how many routes or constraint values there are.
 */
export class RouteTable {
  private readonly root = new Node()
  /** Nodes of patterns made of static segments only, by path (`/a/b`): what a request without params can be on. */
  private readonly statics = new Map<string, Node>()
  private readonly derivedMethods = new Set<string>()
  private readonly methodLists = new Map<string, readonly string[]>()

  constructor (private readonly caseSensitive: boolean) {}

  /** Adds a route under each of its shapes, joining the record of a route there that differs only by method. */
  add (shapes: ReadonlyArray<readonly PatternSegment[]>, route: Omit<RouteRecord, 'autoMethods'>): void {
    for (const shape of shapes) {
      const node = this.nodeOf(shape)
      if (shape.every((segment) => segment.kind === 'static')) this.statics.set(`/${shape.map((segment) => (segment as { text: string }).text).join('/')}`, node)
      // The record joined by a plain loop, no closure or spread: this runs once per route while cold, and what it allocates lengthens startup.
      const records = (node.records ??= [])
      let alike = 0
      while (alike < records.length && !(records[alike].entry === route.entry && records[alike].cors === route.cors && records[alike].host === route.host && records[alike].derived === route.derived)) alike++
      records[alike] = written(route, alike === records.length ? route.methods : this.methodList(records[alike].methods.concat(route.methods)), '')
      if (route.derived) for (const method of route.methods) this.derivedMethods.add(method)
    }
  }

  /** One list for each set of methods (memory at 10,000 routes). */
  methodList (methods: string | readonly string[]): readonly string[] {
    const key = typeof methods === 'string' ? methods : [...new Set(methods)].join(',')
    let list = this.methodLists.get(key)
    if (list === undefined) this.methodLists.set(key, list = key.split(','))
    return list
  }

  /**
   * Once every route is in: gives each record the methods routed on its pattern (§3.5), one string
   * per distinct list, and copies the lists grown by push to lists of their length (memory).
   */
  seal (): void {
    const texts = new Map<string, string>()
    const byList = new Map<readonly string[], string>()
    for (const node of this.nodes()) {
      if (node.params !== null) node.params = node.params.slice()
      const records = node.records
      if (records === null) continue
      // One record's methods list (one per set of methods) finds its text, made once (the plugin's own OPTIONS route's is '').
      const list = records.length === 1 ? records[0].methods : [...new Set(records.flatMap((record) => record.entry.catchAll ? [] : record.methods))]
      let text = byList.get(list)
      if (text === undefined) {
        const made = list.filter((method) => method !== 'OPTIONS').join(', ')
        byList.set(list, text = texts.get(made) ?? (texts.set(made, made), made))
      }
      node.records = records.map((record) => written(record, record.methods, text as string))
    }
    this.methodLists.clear()
  }

  /** Every record, depth first. */
  records (): RouteRecord[] {
    return this.nodes().flatMap((node) => node.records ?? [])
  }

  /** Every node, depth first. */
  private nodes (): Node[] {
    const found: Node[] = []
    const visit = (node: Node): void => {
      found.push(node)
      for (const wildcard of node.wildcards ?? NONE) found.push(wildcard.node)
      if (node.statics !== null) for (const child of node.statics.values()) visit(child)
      for (const child of node.params ?? NONE) visit(child)
    }
    visit(this.root)
    return found
  }

  private nodeOf (shape: readonly PatternSegment[]): Node {
    let node = this.root
    for (const segment of shape) {
      if (segment.kind === 'wildcard') {
        node.wildcards ??= []
        let wildcard = node.wildcards.find((known) => known.prefix === segment.prefix)
        if (wildcard === undefined) node.wildcards.push(wildcard = { prefix: segment.prefix, node: new Node() })
        return wildcard.node
      }
      if (segment.kind === 'static') {
        node.statics ??= new Map()
        let child = node.statics.get(segment.text)
        if (child === undefined) node.statics.set(segment.text, child = new Node())
        node = child
      } else {
        const params = (node.params ??= [])
        let known = 0
        while (known < params.length && params[known].segment.key !== segment.key) known++
        node = params[known] ?? (params[known] = new Node(segment) as ParamNode)
      }
    }
    return node
  }

  /**
   * The routes on the patterns that, filled with the params the router found in order, are the
   * path (several only when patterns differ by parameter RegExps that accept it), that serve `method` for
   * `host` without a constraint a preflight cannot carry (`derived`: only those with one).
   */
  identify (segments: readonly string[], params: Readonly<Record<string, string | undefined>>, method: string, host: string | undefined, derived = false): RouteRecord[] {
    const values = Object.entries(params)
    // No params: only a pattern of static segments can spell the path.
    if (values.length === 0) return this.identifyStatic(`/${segments.join('/')}`, method, host, derived)
    const found: Node[] = []
    const walk = (node: Node, depth: number, used: number): void => {
      if (depth === segments.length) {
        if (used === values.length && node.records !== null) found.push(node)
      } else {
        const child = node.statics?.get(segments[depth])
        if (child !== undefined) walk(child, depth + 1, used)
        for (const next of node.params ?? NONE) {
          if (this.filledIs(next.segment, values, used, segments[depth])) walk(next, depth + 1, used + next.segment.names.length)
        }
      }
      if (used === values.length - 1 && values[used][0] === '*') {
        const rest = `/${segments.slice(depth).join('/')}`
        for (const { prefix, node: next } of node.wildcards ?? NONE) {
          if (rest.startsWith(prefix) && this.fold(values[used][1] as string) === rest.slice(prefix.length)) found.push(next)
        }
      }
    }
    walk(this.root, 0, 0)
    return this.servedOn(found, method, host, derived)
  }

  /** `identify` for a request the router found no params for, by its path (see `plainPath`). */
  identifyStatic (path: string, method: string, host: string | undefined, derived = false): RouteRecord[] {
    const node = this.statics.get(path)
    return node === undefined ? [] : this.servedOn([node], method, host, derived)
  }

  /** Each static route path, with the methods routed there. */
  * staticPaths (): Iterable<[string, string[]]> {
    for (const [path, node] of this.statics) yield [path, [...new Set((node.records as RouteRecord[]).flatMap((record) => record.methods))]]
  }

  /** Whether some route of `method` has a constraint a preflight cannot carry (else `constrained` finds none). */
  derives (method: string): boolean {
    return this.derivedMethods.has(method)
  }

  /** The routes on these nodes (each holding records) that serve `method` for `host`; on one node, a host-constrained one wins over one without (find-my-way). */
  private servedOn (nodes: readonly Node[], method: string, host: string | undefined, derived: boolean): RouteRecord[] {
    const served: RouteRecord[] = []
    const serves = (record: RouteRecord): boolean => record.derived === derived && record.methods.includes(method) && allowsHost(record.host, host)
    for (const node of nodes) {
      const records = node.records as RouteRecord[]
      const hostWins = records.some((record) => record.host !== undefined && serves(record))
      for (const record of records) if (serves(record) && (!hostWins || record.host !== undefined)) served.push(record)
    }
    return served
  }

  /**
   * Routes with a constraint a preflight cannot carry whose pattern may match the path (§5.4), from
   * its segments not folded: parameter RegExps test them as sent (as the router does), static segments are folded here.
   */
  constrained (sent: readonly string[], method: string, host: string | undefined): RouteRecord[] {
    const found: RouteRecord[] = []
    const take = (node: Node): void => {
      for (const record of node.records ?? NONE) if (record.derived && record.methods.includes(method) && allowsHost(record.host, host)) found.push(record)
    }
    const walk = (node: Node, depth: number): void => {
      if (node.wildcards !== null) {
        const rest = this.fold(`/${sent.slice(depth).join('/')}`)
        for (const { prefix, node: next } of node.wildcards) if (rest.startsWith(prefix)) take(next)
      }
      if (depth === sent.length) {
        take(node)
        return
      }
      const child = node.statics?.get(this.fold(sent[depth]))
      if (child !== undefined) walk(child, depth + 1)
      for (const next of node.params ?? NONE) if (next.segment.matcher.test(sent[depth])) walk(next, depth + 1)
    }
    walk(this.root, 0)
    return found
  }

  /** True when the parameter segment filled with the values from `used` on is this path segment, and its RegExp accepts them unfolded (as the router tests them). */
  private filledIs (segment: ParamSegment, values: ReadonlyArray<[string, string | undefined]>, used: number, text: string): boolean {
    const { statics, names } = segment
    let spelled = statics[0]
    let sent = spelled
    for (let i = 0; i < names.length; i++) {
      const value = values[used + i]
      if (value === undefined || value[0] !== names[i]) return false
      spelled += this.fold(value[1] as string) + statics[i + 1]
      sent += `${value[1] as string}${statics[i + 1]}`
    }
    return spelled === text && segment.matcher.test(sent)
  }

  private fold (value: string): string {
    return this.caseSensitive ? value : value.toLowerCase()
  }
}

/** A record written out, not spread: V8 gives a spread copy with an added key a hidden class of its own (memory at 10,000 routes). */
function written (route: Omit<RouteRecord, 'autoMethods'>, methods: readonly string[], autoMethods: string): RouteRecord {
  return { entry: route.entry, cors: route.cors, methods, host: route.host, derived: route.derived, url: route.url, autoMethods }
}

/** A host constraint allows the request's Host when equal to it, or a RegExp it matches (find-my-way's host strategy). */
function allowsHost (constraint: string | RegExp | undefined, host: string | undefined): boolean {
  return constraint === undefined || (host !== undefined && (typeof constraint === 'string' ? constraint === host : constraint.test(host)))
}
