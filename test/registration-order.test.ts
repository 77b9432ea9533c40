// Registration order (docs/behaviour.md §3.10): routes declared before the plugin loaded get its
// hooks but were never seen by its onRoute. Startup fails naming them and the fix; routes the
// plugin covers are judged by their final options whatever the order of declarations.
import { test } from 'tap'
import Fastify, { withRouterOptions } from './helpers/fastify.js'
import corsPlugin from '../src/index.js'
import { canonical, printedRoutes } from '../src/routing/printed-routes.js'
import { corsOf, serve } from './helpers/http.js'

const APP = 'https://app.example'
const PARTNER = 'https://partner.example'
const preflightOf = (method: string): Record<string, string> => ({ origin: APP, 'access-control-request-method': method })

test('register without await, routes right after: startup fails naming every such route and the fix', async (t) => {
  const app = Fastify()
  app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT,DELETE' })
  app.delete('/early', { config: { cors: false } }, async () => 'early')
  app.get('/partner', { config: { cors: { origin: [PARTNER] } } }, async () => 'partner')
  app.put('/host', { constraints: { host: 'api.example' } }, async () => 'host')
  const error = await app.ready().then(() => null, (error: Error & { code?: string, issues?: Array<{ path: string }> }) => error)
  t.equal(error?.code, 'FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN')
  t.same(error?.issues?.map((issue) => issue.path).sort(), ['DELETE /early', 'GET /partner', 'HEAD /partner', 'PUT /host {"host":"api.example"}'])
  // The reason and the fix, shared by every route, are said once, then the routes.
  t.equal(error?.message, 'fastify-corsica: 4 problems in the routes; each of these was declared before fastify-corsica loaded, so its preflights cannot be judged by its options; register the plugin with `await app.register(corsPlugin, options)` before declaring routes or registering plugins that declare them:\n' +
    `${error?.issues?.map((issue) => `  - ${issue.path}`).join('\n') as string}`)
})

test('hundreds of routes declared before the plugin: the message names the first 20 and how many more, error.issues every one', async (t) => {
  const app = Fastify()
  for (let i = 0; i < 300; i++) app.get(`/r${i}`, async () => 'ok')
  app.register(corsPlugin, { origin: [APP] })
  const error = await app.ready().then(() => null, (error: Error & { issues?: Array<{ path: string }> }) => error)
  t.equal(error?.issues?.length, 600, 'each GET and the HEAD Fastify adds beside it')
  const lines = (error?.message ?? '').split('\n')
  t.match(lines[0], /^fastify-corsica: 600 problems in the routes; each of these was declared before fastify-corsica loaded/)
  t.same(lines.slice(1, 21), error?.issues?.slice(0, 20).map((issue) => `  - ${issue.path}`))
  t.same(lines.slice(21), ['  - and 580 more (error.issues lists every one)'])
})

test('the same app with the registration awaited starts, and every route is judged by its own options', async (t) => {
  let deleted = 0
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT,DELETE' })
  app.delete('/early', { config: { cors: false } }, async () => { deleted++; return 'early' })
  app.get('/partner', { config: { cors: { origin: [PARTNER] } } }, async () => 'partner')
  const send = await serve(t, app)
  const refused = await send('OPTIONS', '/early', preflightOf('DELETE'))
  t.equal(refused.status, 403)
  t.equal(refused.body, 'CORS preflight refused: CORS is disabled for this route')
  t.equal(deleted, 0)
  t.same(corsOf(await send('GET', '/partner', { origin: PARTNER })), { vary: 'Origin', 'access-control-allow-origin': PARTNER })
  t.same(corsOf(await send('GET', '/partner', { origin: APP })), { vary: 'Origin' })
})

test('a plugin with routes registered before fastify-corsica: its routes run the plugin\'s hooks, so startup fails naming them', async (t) => {
  const app = Fastify()
  await app.register(async (docs) => { docs.get('/documentation', async () => 'docs') })
  await app.register(corsPlugin, { origin: [APP] })
  await t.rejects(async () => { await app.ready() }, { code: 'FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN', issues: [{ path: 'GET /documentation' }, { path: 'HEAD /documentation' }] })
})

test('routes in a sibling scope are outside the plugin\'s scope: startup is fine, they get no CORS, their preflights are refused', async (t) => {
  const app = Fastify()
  await app.register(async (internal) => { internal.delete('/internal', async () => 'internal') })
  await app.register(async (api) => {
    await api.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
    api.delete('/public', async () => 'public')
  })
  const send = await serve(t, app)
  const outside = await send('OPTIONS', '/internal', preflightOf('DELETE'))
  t.equal(outside.status, 403)
  t.equal(outside.body, "CORS preflight refused: the route is outside fastify-corsica's scope (it gets no CORS headers)")
  t.same(corsOf(await send('DELETE', '/internal', { origin: APP })), {})
  t.equal((await send('OPTIONS', '/public', preflightOf('DELETE'))).status, 204)
})

test('two registrations in one scope with routes between them: the routes the first saw are fine for the second', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
  app.delete('/between', { config: { cors: false } }, async () => 'between')
  await app.register(async (inner) => {
    await inner.register(corsPlugin, { origin: [PARTNER], methods: 'GET,PUT' })
    inner.put('/inner', async () => 'inner')
  })
  const send = await serve(t, app)
  t.equal((await send('OPTIONS', '/between', preflightOf('DELETE'))).status, 403)
  t.equal((await send('OPTIONS', '/inner', { origin: PARTNER, 'access-control-request-method': 'PUT' })).status, 204)
})

test('a route whose config.cors is invalid fails startup naming it, whatever the order', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP] })
  app.get('/typo', { config: { cors: { orgin: [PARTNER] } as never } }, async () => 'typo')
  await t.rejects(async () => { await app.ready() }, { code: 'FST_CORS_INVALID_ROUTE_OPTIONS', message: /1 problem in config\.cors of route GET \/typo:\n {2}- orgin: is not an option; did you mean 'origin'\?/ })
})

test('a route declared before the plugin is found though a later route renames its parameters (Fastify prints `:id|:name`)', async (t) => {
  const app = Fastify()
  app.get('/health/:id', async () => 'health')
  app.get('/kinds/:kind(a|b)', async () => 'kind')
  await app.register(corsPlugin, { origin: [APP] })
  app.get('/health/:name', { constraints: { version: '1.0.0' } }, async () => 'versioned')
  app.get('/kinds/:type(a|b)', { constraints: { version: '1.0.0' } }, async () => 'versioned')
  await t.rejects(async () => { await app.ready() }, {
    code: 'FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN',
    issues: [{ path: 'GET /health/:id' }, { path: 'GET /kinds/:kind(a|b)' }, { path: 'HEAD /health/:id' }, { path: 'HEAD /kinds/:kind(a|b)' }]
  })
})

test('a parameter fragment reads the same whatever names routes give it', async (t) => {
  t.equal(canonical(':id'), ':')
  t.equal(canonical(':id|:name'), ':')
  t.equal(canonical(':d(\\d+)|:e(\\d+)'), ':(\\d+)')
  t.equal(canonical(':kind(a|b)|:type(a|b)'), ':(a|b)')
  t.equal(canonical(':kind(a|b)'), ':(a|b)')
  t.equal(canonical(':file.:ext|:a.:b'), ':.:')
  t.equal(canonical(':from-:to'), ':-:')
  t.equal(canonical('health|check'), 'health|check')
})

test('in a prefixed scope, routes outside the prefix are not its concern: no printRoutes at ready; a route under it declared before the plugin still fails startup', async (t) => {
  const app = Fastify()
  app.get('/health', async () => 'ok')
  let printed = 0
  await app.register(async (api) => {
    const printRoutes = api.printRoutes.bind(api)
    api.printRoutes = ((options?: object) => { if (options !== undefined) printed++; return printRoutes(options) }) as typeof api.printRoutes
    await api.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
    api.delete('/items/:id', async () => 'deleted')
  }, { prefix: '/api' })
  const send = await serve(t, app)
  t.equal(printed, 0)
  t.equal((await send('OPTIONS', '/api/items/1', preflightOf('DELETE'))).status, 204)

  // The prefix read as the router stores paths: folded, duplicate slashes collapsed.
  const early = Fastify(withRouterOptions({ caseSensitive: false, ignoreDuplicateSlashes: true }))
  early.get('/health', async () => 'ok')
  await early.register(async (api) => {
    api.get('/early/:id', async () => 'early')
    await api.register(corsPlugin, { origin: [APP] })
  }, { prefix: '/API//V1' })
  await t.rejects(async () => { await early.ready() }, { code: 'FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN', issues: [{ path: 'GET /api/v1/early/:id' }, { path: 'HEAD /api/v1/early/:id' }] })
})

test('printRoutes read line by line: handlers under one node, hooks after each, lines it does not know skipped', async (t) => {
  const printed = [
    '└── / (GET)',
    '    • (onRequest) ["fastifyCorsica()"]',
    '    / (GET) {"host":"a.example"}',
    '    • (onRequest) ["other()"]',
    '    something Fastify may print one day',
    '    • (onRequest) ["fastifyCorsica()"]',
    '    ├── items/',
    '    │   └── :id|:name (GET)',
    '    │       • (onRequest) ["fastifyCorsica()","fastifyCorsica#2()"]',
    '    └── skipped (GET)',
    '        • (onRequest) ["fastifyCorsica()"]',
    ''
  ].join('\n')
  const read = printedRoutes(printed, new Set(['GET /', 'GET / {"host":"a.example"}', 'GET /items/:']))
  t.same(Object.fromEntries(read), {
    'GET /': { name: 'GET /', hooks: ['fastifyCorsica'] },
    'GET / {"host":"a.example"}': { name: 'GET / {"host":"a.example"}', hooks: ['other', 'fastifyCorsica'] },
    'GET /items/:': { name: 'GET /items/:id|:name', hooks: ['fastifyCorsica', 'fastifyCorsica#2'] }
  })
})

test('the printed tree is not kept once read: no RegExp match on it stays reachable (RegExp.input; 1.3 MB at 10,000 routes)', async (t) => {
  const printed = ['└── /', '    └── a-health-check-with-a-long-name (GET)', '        • (onRequest) ["fastifyCorsica()"]', ''].join('\n')
  const read = printedRoutes(printed, new Set(['GET /a-health-check-with-a-long-name']))
  const lastInput = (RegExp as unknown as { input: string }).input
  t.equal(read.size, 1)
  t.equal(lastInput, '')
})
