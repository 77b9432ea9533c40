// Registration order (docs/behaviour.md §3.10): routes declared before the plugin loaded get its
// hooks but were never seen by its onRoute. Startup fails naming them and the fix; routes the
// plugin covers are judged by their final options whatever the order of declarations.
import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import corsPlugin from '../src/index.js'
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
  t.match(error?.message, /^fastify-corsica: 4 problems in the routes:\n {2}- DELETE \/early: was declared before fastify-corsica loaded, so its preflights cannot be judged by its options; register the plugin with `await app\.register\(corsPlugin, options\)` before declaring routes/)
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
