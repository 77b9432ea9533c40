// The routing side's own pieces (docs/behaviour.md §5.2, §5.3): route shapes and request paths as
// Fastify's router reads them, and the route table that finds, among the routes the plugin saw,
// the one the router found; checked against Fastify itself.
import { test } from 'tap'
import Fastify, { hasRouterOptions, withRouterOptions } from './helpers/fastify.js'
import { type HTTPMethods } from 'fastify'
import { plainPath, requestSegments, routerSettings, routeShapes, type PatternSegment, type RouterSettings } from '../src/routing/pattern.js'
import { RouteTable, type RouteRecord } from '../src/routing/route-table.js'

const DEFAULTS: RouterSettings = { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, caseSensitive: true, useSemicolonDelimiter: false }

test('router settings are read as Fastify applies them: routerOptions first, then the top level, then defaults', { skip: !hasRouterOptions && 'Fastify before 5.5 has no routerOptions' }, async (t) => {
  t.same(routerSettings(Fastify().initialConfig), DEFAULTS)
  t.same(routerSettings(Fastify({ ignoreTrailingSlash: true, caseSensitive: false }).initialConfig), { ...DEFAULTS, ignoreTrailingSlash: true, caseSensitive: false })
  t.same(routerSettings(Fastify({ routerOptions: { ignoreDuplicateSlashes: true, useSemicolonDelimiter: true } as never }).initialConfig), { ...DEFAULTS, ignoreDuplicateSlashes: true, useSemicolonDelimiter: true })
  // Mixed: initialConfig fills routerOptions with defaults, so a top-level value is the one in force for keys routerOptions leaves out.
  t.same(routerSettings(Fastify({ ignoreTrailingSlash: true, routerOptions: { caseSensitive: false } }).initialConfig), { ...DEFAULTS, ignoreTrailingSlash: true, caseSensitive: false })
  t.same(routerSettings({ routerOptions: { ignoreTrailingSlash: 'yes' } }), DEFAULTS, 'values that are not booleans are ignored')
})

/** A shape in short: 'users', ':id', 'at:time', '*' for wildcards with their prefix. */
function shape (url: string, settings = DEFAULTS): string[][] {
  const show = (segment: PatternSegment): string => {
    if (segment.kind === 'static') return segment.text
    if (segment.kind === 'wildcard') return `*${segment.prefix}`
    return segment.statics.map((text, i) => (i < segment.names.length ? `${text}:${segment.names[i]}` : text)).join('')
  }
  return routeShapes(url, settings).map((segments) => segments.map(show))
}

test('route patterns are cut into segments of static text, parameters and wildcards, as find-my-way reads them', async (t) => {
  t.same(shape('/users/:id'), [['users', ':id']])
  t.same(shape('/'), [['']])
  t.same(shape('/files/*'), [['files', '*/']], "a wildcard takes the rest after its prefix, the rest's slash included")
  t.same(shape('/api*'), [['*/api']])
  t.same(shape('*'), [['*']], 'the root catch-all: its value keeps the leading slash')
  t.same(shape('/:lang/items'), [[':lang', 'items']])
  t.same(shape('/at:time/x'), [['at:time', 'x']])
  t.same(shape('/f/:file.:ext'), [['f', ':file.:ext']])
  t.same(shape('/m/:a-:b'), [['m', ':a-:b']])
  t.same(shape('/c/a::b'), [['c', 'a:b']], '`::` is a colon')
  t.same(shape('/r/:id(^\\d+$)'), [['r', ':id']])
  t.same(shape('/r/:id(a/b)/x'), [['r', ':id', 'x']], 'a slash inside a RegExp does not cut the segment')
  t.same(shape('/Docs/:id', { ...DEFAULTS, caseSensitive: false }), [['docs', ':id']])
  t.same(shape('//a//b/', { ...DEFAULTS, ignoreDuplicateSlashes: true, ignoreTrailingSlash: true }), [['a', 'b']])
  t.same(shape('/items/:id?'), [['items', ':id'], ['items']], 'a trailing optional parameter stands for two routes')
  t.same(shape('/:id?'), [[':id'], ['']])
})

test('a parameter segment matches what its RegExp allows, and any text without one', async (t) => {
  const [[, digits]] = routeShapes('/r/:id(^\\d+$).json', DEFAULTS)
  t.ok(digits.kind === 'params' && digits.matcher.test('42.json') && !digits.matcher.test('ab.json'))
  const [[, nested]] = routeShapes('/r/:id(^(a|b)\\)$)', DEFAULTS)
  t.ok(nested.kind === 'params' && nested.matcher.test('a)') && !nested.matcher.test('c)'), 'nested and escaped parentheses')
  const [[, unclosed]] = routeShapes('/r/:id(^\\d+', DEFAULTS)
  t.ok(unclosed.kind === 'params' && unclosed.matcher.test('anything'), 'a RegExp Fastify refuses itself matches anything here, never throws')
  t.throws(() => Fastify().get('/r/:id(^\\d+', async () => 'x'), 'as Fastify refuses it')
  const [[folded]] = routeShapes('/Ab:id', { ...DEFAULTS, caseSensitive: false })
  t.ok(folded.kind === 'params' && folded.matcher.test('AB1'), 'case-insensitively when the router is')
})

test('request paths are cut into segments as the router reads them', async (t) => {
  t.same(requestSegments('/a/b?x=/c#d', DEFAULTS), ['a', 'b'])
  t.same(requestSegments('/a#frag', DEFAULTS), ['a'])
  t.same(requestSegments('/a;jsessionid=1', DEFAULTS), ['a;jsessionid=1'])
  t.same(requestSegments('/a;jsessionid=1', { ...DEFAULTS, useSemicolonDelimiter: true }), ['a'])
  t.same(requestSegments('//a//b//', { ...DEFAULTS, ignoreDuplicateSlashes: true }), ['a', 'b', ''])
  t.same(requestSegments('/a/b/', { ...DEFAULTS, ignoreTrailingSlash: true }), ['a', 'b'])
  t.same(requestSegments('/', { ...DEFAULTS, ignoreTrailingSlash: true }), [''])
  t.same(requestSegments('/A/%2F%20x', DEFAULTS), ['A', '/ x'], 'each segment decoded on its own: %2F stays in its segment')
  t.same(requestSegments('/A/B', { ...DEFAULTS, caseSensitive: false }), ['a', 'b'])
  t.equal(requestSegments('/a/%E0%A4%A', DEFAULTS), null, 'a path the router cannot decode')
  t.same(requestSegments('http://host.example/a/b?x', DEFAULTS), ['a', 'b'])
  t.same(requestSegments('https://host.example?x=1', DEFAULTS), [''])
  t.same(requestSegments('http://host.example', DEFAULTS), [''])
  t.equal(requestSegments('ftp://host.example/a', DEFAULTS), null)
  t.equal(requestSegments('*', DEFAULTS), null)
})

test('a plain path (no percent-escape) reads as its segments joined, under every setting', async (t) => {
  const urls = ['/a/b?x=/c#d', '/a#frag', '/a;jsessionid=1', '//a//b//', '/a/b/', '/', '/A/B', '/A/%2F%20x', 'http://host.example/a', '*', '/x;y?z']
  let compared = 0
  for (const ignoreTrailingSlash of [false, true]) {
    for (const ignoreDuplicateSlashes of [false, true]) {
      for (const caseSensitive of [false, true]) {
        for (const useSemicolonDelimiter of [false, true]) {
          const settings = { ignoreTrailingSlash, ignoreDuplicateSlashes, caseSensitive, useSemicolonDelimiter }
          for (const url of urls) {
            const plain = plainPath(url, settings)
            if (url.includes('%') || !url.startsWith('/')) {
              t.equal(plain, null, url)
              continue
            }
            t.equal(plain, `/${(requestSegments(url, settings) as string[]).join('/')}`, `${url} ${JSON.stringify(settings)}`)
            compared++
          }
        }
      }
    }
  }
  t.equal(compared, 16 * 8)
})

// The table against Fastify: the same routes in both; for each request, the route the table
// identifies from findRoute's params is the route Fastify serves.
const ROUTES = ['/', '/items', '/items/:id', '/items/new', '/items/:id/edit', '/:kind/:id', '/files/*', '/m/:a-:b', '/f/:file.:ext', '/r/:id(^\\d+$)', '/r/latest', '/Docs/:id', '/api*', '/at:time/x', '/c/a::b']
const REQUESTS = ['/', '/items', '/items/5', '/items/new', '/items/5/edit', '/things/5', '/files/a/b', '/files/', '/m/x-y-z', '/f/a.b.c', '/r/12', '/r/latest', '/r/ab', '/Docs/x', '/docs/x', '/api/x/y', '/apix', '/at9/x', '/c/a:b', '/items/a%2Fb', '/items/caf%C3%A9', '/nowhere/at/all/x', '/items/5?q=1']

for (const settings of [DEFAULTS, { ...DEFAULTS, caseSensitive: false }, { ...DEFAULTS, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true }]) {
  test(`the table identifies the route Fastify serves, from the params Fastify found (${JSON.stringify(settings)})`, async (t) => {
    const app = Fastify(withRouterOptions(settings))
    const table = new RouteTable(settings.caseSensitive)
    const entry = { owner: null as never, catchAll: false }
    for (const [id, url] of ROUTES.entries()) {
      try {
        app.get(url, async () => ({ id }))
      } catch {
        continue // a duplicate under these settings
      }
      // Each route's id as its config.cors, which tells the records apart.
      table.add(routeShapes(url, settings), { entry, cors: id, methods: ['GET'], host: undefined, derived: false, url })
    }
    table.seal()
    for (const url of [...REQUESTS, ...REQUESTS.map((path) => `${path}/`), ...REQUESTS.map((path) => path.toUpperCase())]) {
      const res = await app.inject({ url })
      const found = app.findRoute({ method: 'GET' as HTTPMethods, url })
      const segments = requestSegments(url, settings)
      const identified = found === null || segments === null ? [] : table.identify(segments, found.params as Record<string, string>, 'GET', undefined)
      const served = res.statusCode === 200 ? (res.json() as { id: number }).id : null
      t.same(identified.map((record) => record.cors), served === null ? [] : [served], `${url} (${res.statusCode})`)
    }
  })
}

test('routes with a constraint a preflight cannot carry are found by every pattern that may match the path', async (t) => {
  const table = new RouteTable(true)
  const entry = { owner: null as never, catchAll: false }
  const make = (id: number, derived: boolean, methods = ['PUT'], host?: string | RegExp): Omit<RouteRecord, 'autoMethods'> => ({ entry, cors: id, methods, host, derived, url: '' })
  table.add(routeShapes('/:org/items', DEFAULTS), make(1, true))
  table.add(routeShapes('/acme/items', DEFAULTS), make(2, true))
  table.add(routeShapes('/acme/items', DEFAULTS), make(3, false))
  table.add(routeShapes('/r/:id(^\\d+$)', DEFAULTS), make(4, true))
  table.add(routeShapes('/files/*', DEFAULTS), make(5, true))
  table.add(routeShapes('/h', DEFAULTS), make(6, true, ['PUT'], 'admin.example'))
  table.add(routeShapes('/h', DEFAULTS), make(7, true, ['PUT'], /^api\./))
  table.seal()
  const slots = (path: string, method = 'PUT', host?: string): number[] => table.constrained(requestSegments(path, DEFAULTS) as string[], method, host).map((record) => record.cors as number).sort()
  t.same(slots('/acme/items'), [1, 2], 'both patterns, constrained routes only')
  t.same(slots('/other/items'), [1])
  t.same(slots('/acme/items', 'GET'), [], 'no constrained route of that method')
  t.same(slots('/r/12'), [4])
  t.same(slots('/r/ab'), [], 'a parameter RegExp rules a pattern out')
  t.same(slots('/files/a/b'), [5])
  t.same(slots('/h', 'PUT', 'admin.example'), [6])
  t.same(slots('/h', 'PUT', 'api.example'), [7])
  t.same(slots('/h'), [], 'no Host: no host-constrained route')
})

test('routes on one pattern that one registration decides alike share one record, whatever their methods', async (t) => {
  const table = new RouteTable(true)
  const entry = { owner: null as never, catchAll: false }
  const other = { owner: null as never, catchAll: false }
  const route = (methods: string[], cors?: unknown, owner = entry): Omit<RouteRecord, 'autoMethods'> => ({ entry: owner, cors, methods, host: undefined, derived: false, url: '/a/:id' })
  table.add(routeShapes('/a/:id', DEFAULTS), route(['GET']))
  table.add(routeShapes('/a/:id', DEFAULTS), route(['HEAD']))
  table.add(routeShapes('/a/:id', DEFAULTS), route(['PUT'], { origin: 'https://x.example' }))
  table.add(routeShapes('/a/:id', DEFAULTS), route(['DELETE'], undefined, other))
  table.seal()
  const found = (method: string): RouteRecord[] => table.identify(['a', '1'], { id: '1' }, method, undefined)
  t.equal(found('GET').length, 1)
  t.equal(found('GET')[0], found('HEAD')[0], 'GET and HEAD share a record')
  t.same(found('GET')[0].methods, ['GET', 'HEAD'])
  t.not(found('PUT')[0], found('GET')[0], 'a route with its own config.cors has its own')
  t.not(found('DELETE')[0], found('GET')[0], 'a route another registration decides has its own')
  t.equal(found('GET')[0].autoMethods, 'GET, HEAD, PUT, DELETE')
})
