/**
 * The routes of a server as Fastify's `printRoutes()` draws them (a public API, meant for people:
 * a tree of path fragments, each handler with its methods, constraints and, with `includeMeta` naming hooks,
 * its hooks). The only public way to see routes the plugin's `onRoute` never saw
 * (docs/behaviour.md §3.10). Each handler is named `METHOD path[ constraints]`, path being the
 * fragments from the root joined, as the router stores it; a name is compared only with names
 * read the same way. With `wanted`, those routes only, with their hooks.
 */
export function printedRoutes (printed: string, wanted?: ReadonlySet<string>): Map<string, string[]> {
  const routes = new Map<string, string[]>()
  const paths: string[] = []
  let current: string[] = []
  // A name is `METHOD path...`: under a path no wanted name continues, there is nothing to read.
  const tails = wanted === undefined ? null : [...wanted].map((name) => name.slice(name.indexOf(' ') + 1))
  const handlers = (path: string, text: string): string[] | null => {
    if (tails !== null && !tails.some((tail) => tail.startsWith(path))) return []
    const handler = /^(.*?) \(([A-Z][A-Z, -]*)\)( \{.*\})?$/.exec(text)
    if (handler === null) return null
    const names = handler[2].split(', ').map((method) => `${method} ${path}${handler[1]}${handler[3] ?? ''}`)
    for (const name of names) if (!routes.has(name)) routes.set(name, [])
    return names
  }
  for (const line of printed.split('\n')) {
    const node = /^((?:[│ ] {3})*)[├└]── (.*)$/.exec(line)
    if (node !== null) {
      const depth = node[1].length / 4
      const parent = depth === 0 ? '' : paths[depth - 1]
      const label = /^(.*?) \([A-Z]/.exec(node[2])?.[1] ?? node[2]
      paths.length = depth
      paths.push(parent + label)
      current = handlers(parent, node[2]) ?? []
      continue
    }
    const text = line.replace(/^[│ ]+/, '')
    if (text.startsWith('• ')) {
      if (wanted !== undefined && !current.some((name) => wanted.has(name))) continue
      const hooks = [...text.matchAll(/"([^"]+)\(\)"/g)].map((match) => match[1])
      for (const name of current) (routes.get(name) as string[]).push(...hooks)
    } else if (paths.length > 0) {
      current = handlers(paths.length === 1 ? '' : paths[paths.length - 2], text) ?? current
    }
  }
  return routes
}
