import type { AstNode, Features } from 'regjsparser'
import { isReflectable } from './origin.js'

/**
 * What a RegExp origin costs on the only inputs it ever sees: well-formed origins of at most 512
 * characters (docs/behaviour.md §2.4). A backtracking engine spends its time trying the ways one
 * input can match; the analysis counts those ways on the RegExp's automaton intersected with the
 * origin language (a product with a small DFA), as in Weideman et al., "Analyzing matching time
 * behavior of backtracking regular expression matchers by using ambiguity of NFA" (2016):
 * - a state with two different loops on one word: exponential time (EDA);
 * - a chain of k loops that can each read the same word, each reaching the next: time n^(k+1) (IDA).
 * Characters an origin never holds (spaces, upper case, '@', '?') cannot make a RegExp slow here,
 * so a pattern that is only slow on them is accepted.
 */
export interface RegExpCost {
  /** Growth of the matching time with the Origin's length: 1 linear, 2 quadratic, ..., Infinity exponential. */
  readonly degree: number
  /** The repetitions responsible, as written in the RegExp ('no ^ anchor' when it is tried at every position). */
  readonly culprits: readonly string[]
  /** A well-formed origin of the kind that makes it slow (shortened), or null. */
  readonly example: string | null
  /** Set when the RegExp cannot be analysed (too large, or a syntax the parser does not know). */
  readonly unanalysable?: string
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789+.-_~:/[]'
const SIZE = ALPHABET.length
const UNANCHORED = 'no ^ anchor'
// Beyond this many copies a bounded repetition ({n,m}) is analysed as an unbounded one: more ways, never fewer.
const MAX_COPIES = 16
// Larger RegExps are not analysed (refused, with the opt-out), so registration stays fast.
const MAX_NODES = 4000
const MAX_STATES = 4000
const MAX_STEPS = 400_000
const TOO_LARGE = 'it is too large to analyse'

/** The origin language as a DFA over ALPHABET: scheme "://" (host | "[" ipv6 "]") [":" 1-5 digits]; -1: no transition. */
const STATES = 14
const DFA = ((): Int8Array => {
  const table = new Int8Array(STATES * SIZE).fill(-1)
  const on = (from: number, chars: string, to: number): void => { for (const c of chars) table[from * SIZE + ALPHABET.indexOf(c)] = to }
  const lower = 'abcdefghijklmnopqrstuvwxyz'
  const digits = '0123456789'
  const host = `${lower}${digits}._~-`
  on(0, lower, 1)
  on(1, `${lower}${digits}+.-`, 1); on(1, ':', 2)
  on(2, '/', 3); on(3, '/', 4)
  on(4, host, 5); on(4, '[', 6)
  on(5, host, 5); on(5, ':', 8)
  on(6, `${digits}abcdef:.`, 6); on(6, ']', 7)
  on(7, ':', 8)
  for (let digit = 8; digit < 13; digit++) on(digit, digits, digit + 1)
  return table
})()

// ε-edges of the automaton; BACK goes round a loop again, BOL/EOL are ^ and $.
const EPS = 0
const BOL = 1
const EOL = 2
const BACK = 3

interface Edge { readonly to: number, readonly kind: number, readonly loop: number }
interface Node {
  /** The characters an atom (one character of input) accepts, or null for an ε-node. */
  readonly accepts: Uint8Array | null
  /** Unbounded repetitions around the node, innermost first. */
  readonly loops: readonly number[]
  readonly edges: Edge[]
}

/** An ε-NFA built from the parsed RegExp (Thompson's construction, right to left). */
class Automaton {
  readonly nodes: Node[] = []
  readonly loops: string[] = []
  readonly lookarounds: AstNode[] = []
  /** Work done so far, bounded so that registration stays fast. */
  steps = 0

  node (accepts: Uint8Array | null, loops: readonly number[]): number {
    if (this.nodes.length === MAX_NODES) throw new Error(TOO_LARGE)
    this.nodes.push({ accepts, loops, edges: [] })
    return this.nodes.length - 1
  }

  edge (from: number, to: number, kind = EPS, loop = -1): void {
    this.nodes[from].edges.push({ to, kind, loop })
  }

  /** The entry node of `term`, followed by `next`. */
  build (term: AstNode, next: number, loops: readonly number[], flags: string): number {
    switch (term.type) {
      case 'alternative':
        return term.body.reduceRight((at: number, item) => this.build(item, at, loops, flags), next)
      case 'disjunction': {
        const entry = this.node(null, loops)
        for (const alternative of term.body) this.edge(entry, this.build(alternative, next, loops, flags))
        return entry
      }
      case 'group': {
        const body: AstNode = { type: 'alternative', body: term.body, raw: term.raw, range: term.range }
        if (term.behavior !== 'normal' && term.behavior !== 'ignore') {
          this.lookarounds.push(body)
          return next
        }
        return this.build(body, next, loops, flags)
      }
      case 'quantifier':
        return this.repeat(term.body[0], term.min, term.max, term.raw, next, loops, flags)
      case 'anchor': {
        const entry = this.node(null, loops)
        this.edge(entry, next, term.kind === 'start' ? BOL : term.kind === 'end' ? EOL : EPS)
        return entry
      }
      case 'reference': // a backreference repeats some earlier text: analysed as any text (more ways, never fewer)
        return this.repeat({ type: 'dot', raw: '[^]', range: term.range }, 0, undefined, term.raw, next, loops, flags)
      default: {
        const entry = this.node(acceptedBy(term.raw, flags), loops)
        this.edge(entry, next)
        return entry
      }
    }
  }

  private repeat (body: AstNode, min: number, max: number | undefined, raw: string, next: number, loops: readonly number[], flags: string): number {
    let at = next
    if (max === undefined || max > MAX_COPIES) {
      const loop = this.loops.push(raw) - 1
      const head = this.node(null, loops)
      const back = this.node(null, loops)
      this.edge(back, head, BACK, loop)
      this.edge(head, this.build(body, back, [loop, ...loops], flags))
      this.edge(head, next)
      at = head
    } else {
      for (let i = min; i < max; i++) {
        const optional = this.node(null, loops)
        this.edge(optional, this.build(body, at, loops, flags))
        this.edge(optional, at)
        at = optional
      }
    }
    for (let i = 0; i < Math.min(min, MAX_COPIES); i++) at = this.build(body, at, loops, flags)
    return at
  }
}

/** Which characters of ALPHABET one atom (a character, class, escape or dot) accepts, asked of the engine itself. */
function acceptedBy (raw: string, flags: string): Uint8Array {
  const atom = new RegExp(`^(?:${raw})$`, flags)
  return Uint8Array.from(ALPHABET, (c) => (atom.test(c) ? 1 : 0))
}

/**
 * The atoms reachable from `from` without consuming input, each with its number of ways (at
 * most 2). ECMAScript rejects an iteration that consumed nothing, so a loop may go round again
 * only if its current iteration consumed something: after atom `from`, the loops around it, and
 * of those only the ones outside every loop already gone round (`legit`: the first index of
 * `from`'s loops that may still go round). `atStart`: the input position is 0, so ^ holds.
 */
function closure (automaton: Automaton, from: number, atStart: boolean): Map<number, number> {
  const { nodes } = automaton
  const around = nodes[from].accepts === null ? [] : nodes[from].loops
  const memo = new Map<number, Map<number, number>>()
  const follow = (at: number, legit: number, ways: Map<number, number>): void => {
    for (const edge of nodes[at].edges) {
      if (edge.kind === EOL || (edge.kind === BOL && !atStart)) continue
      let next = legit
      if (edge.kind === BACK) {
        const index = around.indexOf(edge.loop)
        if (index < legit) continue
        next = index + 1
      }
      for (const [atom, count] of visit(edge.to, next)) ways.set(atom, Math.min(2, (ways.get(atom) ?? 0) + count))
    }
  }
  const visit = (at: number, legit: number): Map<number, number> => {
    automaton.steps++
    if (nodes[at].accepts !== null) return new Map([[at, 1]])
    let ways = memo.get(at * 1024 + legit)
    if (ways === undefined) {
      memo.set(at * 1024 + legit, ways = new Map())
      follow(at, legit, ways)
    }
    return ways
  }
  const ways = new Map<number, number>()
  follow(from, 0, ways)
  return ways
}

/** The product of the automaton with the origin DFA: states are (atom, DFA state); `prefix` stands for the positions tried before. */
interface Product {
  readonly atoms: number[]
  /** Per state: flat [character, target, ways, ...]. */
  readonly out: number[][]
  /** Edges from the initial configuration, in the same form. */
  readonly initial: number[]
}

function product (automaton: Automaton, start: number): Product {
  const { nodes } = automaton
  const prefix = nodes.length
  const ids = new Map<number, number>()
  const atoms: number[] = []
  const dfa: number[] = []
  const out: number[][] = []
  const id = (atom: number, state: number): number => {
    let found = ids.get(atom * STATES + state)
    if (found === undefined) {
      ids.set(atom * STATES + state, found = atoms.length)
      atoms.push(atom)
      dfa.push(state)
      out.push([])
    }
    return found
  }
  const step = (targets: Map<number, number>, state: number, withPrefix: boolean, edges: number[]): void => {
    for (let c = 0; c < SIZE; c++) {
      const next = DFA[state * SIZE + c]
      if (next === -1) continue
      for (const [atom, ways] of targets) if ((nodes[atom].accepts as Uint8Array)[c] === 1) edges.push(c, id(atom, next), ways)
      if (withPrefix) edges.push(c, id(prefix, next), 1)
    }
    automaton.steps += edges.length
  }
  const later = closure(automaton, start, false)
  const after = new Map<number, Map<number, number>>()
  const initial: number[] = []
  step(closure(automaton, start, true), 0, true, initial)
  for (let s = 0; s < atoms.length; s++) {
    if (atoms.length > MAX_STATES || automaton.steps > MAX_STEPS) throw new Error(TOO_LARGE)
    const atom = atoms[s]
    let targets = atom === prefix ? later : after.get(atom)
    if (targets === undefined) after.set(atom, targets = closure(automaton, atom, false))
    step(targets, dfa[s], atom === prefix, out[s])
  }
  return { atoms, out, initial }
}

/** Strongly connected components (Tarjan, iterative), numbered so that an edge never leads to a higher number. */
function components (count: number, successors: (v: number) => number[]): number[] {
  const index = new Array<number>(count).fill(-1)
  const low = new Array<number>(count).fill(0)
  const component = new Array<number>(count).fill(-1)
  const stack: number[] = []
  let counter = 0
  let found = 0
  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue
    const work: Array<{ v: number, next: number[], i: number }> = []
    const enter = (v: number): void => {
      index[v] = low[v] = counter++
      stack.push(v)
      work.push({ v, next: successors(v), i: 0 })
    }
    enter(root)
    while (work.length > 0) {
      const frame = work[work.length - 1]
      if (frame.i < frame.next.length) {
        const w = frame.next[frame.i++]
        if (index[w] === -1) enter(w)
        else if (component[w] === -1) low[frame.v] = Math.min(low[frame.v], index[w])
        continue
      }
      work.pop()
      if (work.length > 0) low[work[work.length - 1].v] = Math.min(low[work[work.length - 1].v], low[frame.v])
      if (low[frame.v] === index[frame.v]) {
        let w: number
        do {
          w = stack.pop() as number
          component[w] = found
        } while (w !== frame.v)
        found++
      }
    }
  }
  return component
}

type Edges = (state: number, emit: (c: number, to: number) => void) => void

/** The characters of a shortest non-empty path from `start` along `edges` to a state `goal` accepts, or null. */
function shortestWord (start: number, goal: (state: number) => boolean, edges: Edges): string | null {
  const parent = new Map<number, [number, number]>([[start, [start, -1]]])
  const spell = (state: number, last: number): string => {
    let word = ALPHABET[last]
    for (let at = state; at !== start; at = (parent.get(at) as [number, number])[0]) word = ALPHABET[(parent.get(at) as [number, number])[1]] + word
    return word
  }
  const queue = [start]
  for (let i = 0; i < queue.length; i++) {
    const state = queue[i]
    let word: string | null = null
    edges(state, (c, to) => {
      if (word !== null) return
      if (goal(to)) word = spell(state, c)
      else if (!parent.has(to)) {
        parent.set(to, [state, c])
        queue.push(to)
      }
    })
    if (word !== null) return word
  }
  return null
}

/** The matching cost of `regexp` on well-formed origins. */
export function regexpCost (regexp: RegExp): RegExpCost {
  const flags = regexp.flags.replace(/[dgy]/g, '')
  try {
    // Loaded on first use: only options with RegExps need the parser.
    const { parse } = require('regjsparser') as typeof import('regjsparser')
    const features: Features = { lookbehind: true, namedGroups: true, unicodePropertyEscape: true, unicodeSet: flags.includes('v') }
    return analyse(parse(regexp.source, flags, features) as AstNode, flags, regexp)
  } catch (error) {
    // Too large, or a syntax the parser does not know (RegExp modifiers, some Annex B forms): it cannot be judged.
    const message = (error as Error).message
    return { degree: Infinity, culprits: [], example: null, unanalysable: message === TOO_LARGE ? message : `its syntax could not be read (${message})` }
  }
}

interface Link { readonly to: number, readonly from: number, readonly into: number, readonly pump: string }

function analyse (tree: AstNode, flags: string, regexp: RegExp | null): RegExpCost {
  const automaton = new Automaton()
  const start = automaton.build(tree, automaton.node(null, []), [], flags)
  const { atoms, out, initial } = product(automaton, start)
  const count = atoms.length
  const component = components(count, (s) => out[s].filter((_, i) => i % 3 === 1))
  const members: number[][] = []
  for (let s = 0; s < count; s++) (members[component[s]] ??= []).push(s)
  const within = (c: number): Edges => (s, emit) => {
    for (let i = 0; i < out[s].length; i += 3) if (component[out[s][i + 1]] === c) emit(out[s][i], out[s][i + 1])
  }
  const cyclic = members.map((states, c) => states.some((s) => out[s].some((to, i) => i % 3 === 1 && component[to] === c)))
  const culprit = (c: number): string => {
    const ids = members[c].map((s) => atoms[s])
    if (ids.includes(automaton.nodes.length)) return UNANCHORED
    const [first] = ids.map((atom) => automaton.nodes[atom].loops)
    const common = first.filter((loop) => ids.every((atom) => automaton.nodes[atom].loops.includes(loop)))
    // The outermost repetition around every state of the component: the one that goes round.
    return automaton.loops[common[common.length - 1]]
  }
  // Every state of the product was reached from the initial configuration, so these paths exist.
  const prefixTo = (target: number): string => shortestWord(-1, (s) => s === target, (s, emit) => {
    const edges = s === -1 ? initial : out[s]
    for (let i = 0; i < edges.length; i += 3) emit(edges[i], edges[i + 1])
  }) as string

  // Exponential: in a loop's component, two different ways round from one state on one word.
  for (let c = 0; c < members.length; c++) {
    if (!cyclic[c]) continue
    for (const q of members[c]) {
      const pump = twoWaysRound(q, c, component, out, count)
      if (pump !== null) return finish(Infinity, [culprit(c)], prefixTo(q), [{ text: pump, repeat: true }], regexp)
    }
  }

  // Polynomial: the longest chain of loop components, each linked to the next by one word.
  // reaches[c]: the loop components reachable from component c (c itself if it is one).
  const reaches = members.map(() => new Set<number>())
  for (let c = 0; c < members.length; c++) {
    if (cyclic[c]) reaches[c].add(c)
    const next = new Set<number>()
    for (const s of members[c]) for (let i = 1; i < out[s].length; i += 3) if (component[out[s][i]] !== c) next.add(component[out[s][i]])
    for (const d of next) for (const loop of reaches[d]) reaches[c].add(loop)
  }
  const chain = members.map(() => 0)
  const links: Array<Link | undefined> = []
  for (let c = 0; c < members.length; c++) {
    if (!cyclic[c]) continue
    for (const d of reaches[c]) {
      if (d === c || chain[d] + 1 <= chain[c]) continue
      const found = sharedWord(members[c], members[d], component, reaches, out, count)
      if (found !== null) {
        chain[c] = chain[d] + 1
        links[c] = { to: d, ...found }
      }
    }
  }
  let at = chain.indexOf(Math.max(0, ...chain))
  let degree = 1 + chain[at]
  const culprits: string[] = []
  const segments: Segment[] = []
  let prefix = ''
  for (let link = links[at]; link !== undefined; link = links[at]) {
    if (culprits.length === 0) {
      prefix = prefixTo(link.from)
      culprits.push(culprit(at))
    }
    segments.push({ text: link.pump, repeat: true })
    culprits.push(culprit(link.to))
    const onward = links[link.to]
    // From where this link entered the next component to where the next link starts.
    if (onward !== undefined && onward.from !== link.into) segments.push({ text: shortestWord(link.into, (s) => s === onward.from, within(link.to)) as string, repeat: false })
    at = link.to
  }
  // A lookaround runs its own body wherever a path reaches it: its cost adds to the RegExp's.
  for (const body of automaton.lookarounds) {
    const inner = analyse(body, flags, null)
    if (inner.degree > 1) {
      degree += inner.degree - 1
      culprits.push(...inner.culprits)
    }
  }
  return finish(degree, culprits, prefix, segments, regexp)
}

/**
 * A word on which state q of component c has two different ways round, or null: in the graph of
 * pairs of states reading the same characters, a cycle from (q, q) back to (q, q) that leaves
 * the diagonal or takes an edge with two ways (the search state carries whether it has).
 */
function twoWaysRound (q: number, c: number, component: readonly number[], out: readonly number[][], count: number): string | null {
  const home = (q * count + q) * 2
  return shortestWord(home, (s) => s === home + 1, (s, emit) => {
    const pair = s >> 1
    const [p, r] = [Math.floor(pair / count), pair % count]
    const [a, b] = [out[p], out[r]]
    for (let i = 0; i < a.length; i += 3) {
      if (component[a[i + 1]] !== c) continue
      for (let j = 0; j < b.length; j += 3) {
        if (b[j] !== a[i] || component[b[j + 1]] !== c) continue
        const split = (s & 1) === 1 || a[i + 1] !== b[j + 1] || (p === r && a[i + 2] > 1)
        emit(a[i], (a[i + 1] * count + b[j + 1]) * 2 + (split ? 1 : 0))
      }
    }
  })
}

/**
 * A word that goes round a state p of one component, from p to a state q of a later one, and
 * round q (three paths reading the same characters), with p and q; or null.
 */
function sharedWord (first: readonly number[], second: readonly number[], component: readonly number[], reaches: ReadonlyArray<ReadonlySet<number>>, out: readonly number[][], count: number): Omit<Link, 'to'> | null {
  const [from, into] = [component[first[0]], component[second[0]]]
  const key = (a: number, b: number, d: number): number => (a * count + b) * count + d
  for (const p of first) {
    for (const q of second) {
      const pump = shortestWord(key(p, p, q), (s) => s === key(p, q, q), (s, emit) => {
        const [ea, eb, ed] = [out[Math.floor(s / (count * count))], out[Math.floor(s / count) % count], out[s % count]]
        for (let i = 0; i < ea.length; i += 3) {
          if (component[ea[i + 1]] !== from) continue
          for (let j = 0; j < eb.length; j += 3) {
            if (eb[j] !== ea[i] || !reaches[component[eb[j + 1]]].has(into)) continue
            for (let k = 0; k < ed.length; k += 3) if (ed[k] === ea[i] && component[ed[k + 1]] === into) emit(ea[i], key(ea[i + 1], eb[j + 1], ed[k + 1]))
          }
        }
      })
      if (pump !== null) return { from: p, into: q, pump }
    }
  }
  return null
}

interface Segment { readonly text: string, readonly repeat: boolean }

/** The result, with an example origin when it is slow: the prefix, each pump repeated, then a character that makes the match fail. */
function finish (degree: number, culprits: string[], prefix: string, segments: readonly Segment[], regexp: RegExp | null): RegExpCost {
  if (regexp === null || degree < 3) return { degree, culprits, example: null }
  const pumped = segments.filter((segment) => segment.repeat).map((segment) => segment.text).join('')
  const build = (times: number): string => prefix + segments.map((segment) => segment.repeat ? segment.text.repeat(times) : segment.text).join('')
  const example = build(Math.max(3, Math.ceil(24 / pumped.length)))
  const test = new RegExp(regexp.source, regexp.flags.replace(/[gy]/g, ''))
  // Three repetitions are enough to see whether it fails, and cheap even when it is exponential.
  const end = ['~', '_', '-', '.', '0', 'a', ':1'].find((end) => isReflectable(example + end) && !test.test(build(3) + end))
  return { degree, culprits, example: end === undefined ? example : example + end }
}
