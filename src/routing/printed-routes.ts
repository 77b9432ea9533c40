/**
 * The routes of a server as Fastify's `printRoutes()` draws them for people (a tree of path fragments,
 * each handler with its methods, constraints and, with `includeMeta`, hooks): the only public way to see
 * routes the plugin's `onRoute` never saw (docs/behaviour.md §3.10). Keyed `METHOD path[ constraints]`,
 * parameter fragments without their names (`canonical`); with `wanted`, subtrees holding none are not read.
 */
export function printedRoutes (printed: string, wanted?: ReadonlySet<string>): Map<string, PrintedRoute> {
  const routes = new Map<string, PrintedRoute>()
  const paths: string[] = []
  let current: string[] = []
  // A key is `METHOD path...`: under a path no wanted key continues, there is nothing to read.
  const tails = wanted === undefined ? null : [...new Set([...wanted].map((key) => key.slice(key.indexOf(' ') + 1)))].sort()
  const wants = (path: string): boolean => tails === null || continues(tails, path)
  let skipBelow = -1
  const handlers = (path: string, text: string): string[] | null => {
    const handler = /^(.*?) \(([A-Z][A-Z, -]*)\)( \{.*\})?$/.exec(text)
    if (handler === null) return null
    const [, label, methods, constraints = ''] = handler
    return methods.split(', ').map((method) => {
      const key = `${method} ${path}${canonical(label)}${constraints}`
      if (!routes.has(key)) routes.set(key, { name: `${method} ${path}${label}${constraints}`, hooks: [] })
      return key
    })
  }
  for (let start = 0; start < printed.length;) {
    let end = printed.indexOf('\n', start)
    if (end === -1) end = printed.length
    const line = printed.slice(start, end)
    start = end + 1
    let lead = 0
    while (line[lead] === '│' || line[lead] === ' ') lead++
    // The lines of a subtree are indented deeper than its node's line.
    if (skipBelow !== -1 && lead / 4 > skipBelow) continue
    skipBelow = -1
    if (line.startsWith('── ', lead + 1)) {
      const depth = lead / 4
      const parent = depth === 0 ? '' : paths[depth - 1]
      const text = line.slice(lead + 4)
      const label = /^(.*?) \([A-Z]/.exec(text)?.[1] ?? text
      paths.length = depth
      paths.push(parent + canonical(label))
      if (!wants(paths[depth])) {
        skipBelow = depth
        continue
      }
      current = handlers(parent, text) ?? []
    } else if (line.startsWith('• ', lead)) {
      const hooks = [...line.matchAll(/"([^"]+)\(\)"/g)].map((match) => match[1])
      for (const key of current) (routes.get(key) as PrintedRoute).hooks.push(...hooks)
    } else if (paths.length > 0) {
      current = handlers(paths.length === 1 ? '' : paths[paths.length - 2], line.slice(lead)) ?? current
    }
  }
  // A RegExp's last match stays reachable (RegExp.lastMatch), and with it the whole printed tree it was cut from.
  /^/.test('')
  return routes
}

/** Whether some of the sorted `tails` starts with `path`: those that do come first among those not below it (a binary search, not a scan per line). */
function continues (tails: readonly string[], path: string): boolean {
  let low = 0
  for (let high = tails.length; low < high;) {
    const middle = (low + high) >>> 1
    if (tails[middle] < path) low = middle + 1
    else high = middle
  }
  return low < tails.length && tails[low].startsWith(path)
}

/** A route as printed: its name as Fastify shows it (for messages) and the hooks it runs. */
export interface PrintedRoute { readonly name: string, readonly hooks: string[] }

/**
 * A parameter fragment without its names: `:id` is `:`, `:id(\d+)` is `:(\d+)`. Routes differing
 * only by names share one fragment, printed with every name (`:id|:name`): a route declared later
 * renames the fragment of one declared before, but never its canonical form.
 */
export function canonical (label: string): string {
  if (!label.startsWith(':')) return label
  const bare = label.replace(/:[^(\-./|]*/g, ':')
  // The names removed, the alternatives are alike: `X|X|...|X` is X (X may hold a `|` of a RegExp).
  for (let bar = bare.indexOf('|'); bar !== -1; bar = bare.indexOf('|', bar + 1)) {
    const one = bare.slice(0, bar)
    if ((bare.length + 1) % (bar + 1) === 0 && `${one}|`.repeat((bare.length + 1) / (bar + 1)) === `${bare}|`) return one
  }
  return bare
}
