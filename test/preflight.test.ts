import { test } from 'tap'
import { build, corsHeaders, EVIL, PARTNER, preflight } from './helpers/app.js'

const STRICT = {
  origin: [PARTNER],
  credentials: true,
  methods: ['GET', 'PUT', 'DELETE'],
  allowedHeaders: ['Content-Type', 'Authorization'],
  exposedHeaders: 'X-Total-Count',
  maxAge: 600
}

test('a preflight from an allowed origin is answered 204 with every preflight header and an empty body', async (t) => {
  let handlerRan = false
  const app = await build(STRICT, (app) => app.options('/own', async () => { handlerRan = true; return 'own' }))
  const res = await preflight(app, '/items/1', PARTNER, 'PUT', 'content-type,authorization')
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.equal(res.headers['content-length'], '0')
  t.same(corsHeaders(res), {
    vary: 'Origin',
    'access-control-allow-origin': PARTNER,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET, PUT, DELETE',
    'access-control-allow-headers': 'Content-Type, Authorization',
    'access-control-max-age': '600'
  })
  const own = await preflight(app, '/own', PARTNER, 'PUT')
  t.equal(own.statusCode, 204, "a preflight to a path with the user's own OPTIONS route is answered by the plugin")
  t.equal(handlerRan, false, "the user's OPTIONS handler does not run for a preflight")
})

test('a preflight answer does not carry Access-Control-Expose-Headers', async (t) => {
  const app = await build(STRICT)
  const res = await preflight(app, '/items/1', PARTNER, 'PUT')
  t.equal(res.headers['access-control-expose-headers'], undefined)
})

test('a preflight from a disallowed origin is refused 403 with no CORS headers and a plain-text reason', async (t) => {
  const app = await build(STRICT)
  const res = await preflight(app, '/items/1', EVIL, 'PUT', 'content-type')
  t.equal(res.statusCode, 403)
  t.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(res.body, 'CORS preflight refused: origin not allowed')
  t.same(corsHeaders(res), { vary: 'Origin' })
})

test('a preflight with origin: false is refused 403: CORS is disabled', async (t) => {
  const app = await build({ origin: false })
  const res = await preflight(app, '/items/1', PARTNER, 'PUT')
  t.equal(res.statusCode, 403)
  t.equal(res.body, 'CORS preflight refused: CORS is disabled for this route')
  t.same(corsHeaders(res), {})
})

test('a preflight to a single fixed origin from another origin is refused', async (t) => {
  const app = await build({ origin: PARTNER, methods: 'GET,PUT' })
  const refused = await preflight(app, '/items/1', EVIL, 'PUT')
  t.equal(refused.statusCode, 403)
  t.same(corsHeaders(refused), {})
  const allowed = await preflight(app, '/items/1', PARTNER, 'PUT')
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['access-control-allow-origin'], PARTNER)
})

test('without allowedHeaders the requested headers are reflected, with Vary: Access-Control-Request-Headers', async (t) => {
  const app = await build({ origin: [PARTNER], methods: 'PUT' })
  const res = await preflight(app, '/items/1', PARTNER, 'PUT', 'x-custom,content-type')
  t.same(corsHeaders(res), {
    vary: 'Origin, Access-Control-Request-Headers',
    'access-control-allow-origin': PARTNER,
    'access-control-allow-methods': 'PUT',
    'access-control-allow-headers': 'x-custom,content-type'
  })
})

test('without allowedHeaders and without requested headers no Access-Control-Allow-Headers is sent', async (t) => {
  const app = await build({})
  const res = await preflight(app, '/items/1', PARTNER, 'POST')
  t.same(corsHeaders(res), {
    vary: 'Access-Control-Request-Headers',
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET,HEAD,POST'
  })
})

test('default methods are GET,HEAD,POST as in @fastify/cors 11, byte for byte', async (t) => {
  const app = await build({})
  const res = await preflight(app, '/items', PARTNER, 'POST')
  t.equal(res.headers['access-control-allow-methods'], 'GET,HEAD,POST')
})

test('methods given as a comma string are sent as written, well-known names upper-cased in place; an array is joined with ", "', async (t) => {
  const app = await build({ methods: ' get , put,PROPFIND ,' })
  const res = await preflight(app, '/items', PARTNER, 'PUT')
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-methods'], ' GET , PUT,PROPFIND ,')
  const listed = await build({ methods: ['get', 'PUT', 'propfind'] })
  t.equal((await preflight(listed, '/items', PARTNER, 'PUT')).headers['access-control-allow-methods'], 'GET, PUT, propfind')
})

test('a requested method is accepted only when it is one of methods or safelisted, compared exactly', async (t) => {
  const app = await build({ origin: [PARTNER], methods: ['GET', 'PUT', 'PROPFIND'] })
  // Accepted: configured (non-safelisted ones are compared first) and safelisted names.
  for (const method of ['PUT', 'PROPFIND', 'GET', 'HEAD', 'POST']) {
    const res = await preflight(app, '/items', PARTNER, method)
    t.equal(res.statusCode, 204, method)
    t.equal(res.headers['access-control-allow-methods'], 'GET, PUT, PROPFIND', method)
  }
  // Refused: names of the same length as an accepted one, prefixes, other cases, other names.
  for (const method of ['PUX', 'GEX', 'PROPFINX', 'PU', 'PUTS', 'put', 'DELETE', 'HEAX']) {
    const res = await preflight(app, '/items', PARTNER, method)
    t.equal(res.statusCode, 403, method)
    t.equal(res.body, 'CORS preflight refused: method not allowed', method)
    t.equal(res.headers['access-control-allow-methods'], undefined, method)
  }
})

test('optionsSuccessStatus sets the preflight status', async (t) => {
  const app = await build({ optionsSuccessStatus: 200 })
  const res = await preflight(app, '/items', PARTNER, 'GET')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-length'], '0')
  t.equal(res.body, '')
})

test('cacheControl as a number is sent as max-age=N on preflights only', async (t) => {
  const app = await build({ cacheControl: 300 })
  const res = await preflight(app, '/items', PARTNER, 'GET')
  t.equal(res.headers['cache-control'], 'max-age=300')
  const actual = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(actual.headers['cache-control'], undefined)
})

test('cacheControl as a string is sent as-is', async (t) => {
  const app = await build({ cacheControl: 'public, max-age=600' })
  const res = await preflight(app, '/items', PARTNER, 'GET')
  t.equal(res.headers['cache-control'], 'public, max-age=600')
})

test('maxAge 0 is sent as Access-Control-Max-Age: 0', async (t) => {
  const app = await build({ maxAge: 0 })
  const res = await preflight(app, '/items', PARTNER, 'GET')
  t.equal(res.headers['access-control-max-age'], '0')
})

test("allowedHeaders: '*' is sent as-is without credentials", async (t) => {
  const app = await build({ allowedHeaders: '*', methods: '*' })
  const res = await preflight(app, '/items', PARTNER, 'PATCH', 'x-anything')
  t.same(corsHeaders(res), {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': '*',
    'access-control-allow-headers': '*'
  })
})

test('preflightContinue passes the preflight on, with its headers, to the route handler', async (t) => {
  const app = await build({ origin: [PARTNER], preflightContinue: true }, (app) => {
    app.options('/own', async (_req, reply) => reply.code(200).send('own handler'))
  })
  const own = await preflight(app, '/own', PARTNER, 'GET')
  t.equal(own.statusCode, 200)
  t.equal(own.body, 'own handler')
  t.equal(own.headers['access-control-allow-origin'], PARTNER)
  t.equal(own.headers['access-control-allow-methods'], 'GET,HEAD,POST')
  const catchAll = await preflight(app, '/items', PARTNER, 'GET')
  t.equal(catchAll.statusCode, 204, 'without an own route, the OPTIONS route answers with optionsSuccessStatus')
  t.equal(catchAll.headers['content-length'], '0')
  t.equal(catchAll.headers['access-control-allow-origin'], PARTNER)
})

test('preflightContinue still refuses a disallowed origin', async (t) => {
  const app = await build({ origin: [PARTNER], preflightContinue: true })
  const res = await preflight(app, '/items', EVIL, 'GET')
  t.equal(res.statusCode, 403)
})

test('a preflight is answered before a later auth hook can reject it', async (t) => {
  let authRan = false
  const app = await build({ origin: [PARTNER] }, (app) => {
    app.addHook('onRequest', async (_req, reply) => { authRan = true; return reply.code(401).send() })
  })
  const res = await preflight(app, '/items', PARTNER, 'GET')
  t.equal(res.statusCode, 204)
  t.equal(authRan, false)
})

test('OPTIONS without Access-Control-Request-Method is 400 Invalid Preflight Request under strictPreflight', async (t) => {
  const app = await build({ origin: [PARTNER] })
  const res = await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], 'text/plain', 'as @fastify/cors sends it')
  t.equal(res.body, 'Invalid Preflight Request')
})

test('OPTIONS without Origin is 400 Invalid Preflight Request under strictPreflight', async (t) => {
  const app = await build({ origin: [PARTNER] })
  const res = await app.inject({ method: 'OPTIONS', url: '/items', headers: { 'access-control-request-method': 'GET' } })
  t.equal(res.statusCode, 400)
  t.equal(res.body, 'Invalid Preflight Request')
})

test('with strictPreflight: false a non-preflight OPTIONS is not found', async (t) => {
  const app = await build({ origin: [PARTNER], strictPreflight: false })
  const res = await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 404)
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER }, 'it is an actual CORS request')
})

test("a non-preflight OPTIONS reaches the user's own OPTIONS route", async (t) => {
  const app = await build({ origin: [PARTNER] }, (app) => app.options('/items', async () => 'allow: GET'))
  const res = await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'allow: GET')
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER })
})

test('preflight: false treats OPTIONS as an ordinary request and adds no OPTIONS route', async (t) => {
  const app = await build({ origin: [PARTNER], preflight: false }, (app) => app.options('/own', async () => 'own'))
  const res = await preflight(app, '/items', PARTNER, 'PUT')
  t.equal(res.statusCode, 404)
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER })
  const own = await preflight(app, '/own', PARTNER, 'PUT')
  t.equal(own.statusCode, 200)
  t.equal(own.body, 'own')
  t.equal(own.headers['access-control-allow-methods'], undefined)
})

test('the OPTIONS route is hidden from schema tools by default and shown with hideOptionsRoute: false', async (t) => {
  const seen: Array<{ url: string, hide: unknown }> = []
  const { default: Fastify } = await import('fastify')
  const { default: corsPlugin } = await import('../src/index.js')
  for (const hideOptionsRoute of [undefined, false]) {
    const app = Fastify()
    app.addHook('onRoute', (route) => { if (route.method === 'OPTIONS') seen.push({ url: route.url, hide: (route.schema as { hide?: unknown } | undefined)?.hide }) })
    await app.register(corsPlugin, hideOptionsRoute === undefined ? {} : { hideOptionsRoute })
    await app.ready()
  }
  t.same(seen, [{ url: '*', hide: true }, { url: '*', hide: false }])
})

test('logLevel applies to the OPTIONS route', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { default: corsPlugin } = await import('../src/index.js')
  const levels: unknown[] = []
  const app = Fastify()
  app.addHook('onRoute', (route) => { if (route.method === 'OPTIONS') levels.push(route.logLevel) })
  await app.register(corsPlugin, { logLevel: 'silent' })
  await app.ready()
  t.same(levels, ['silent'])
})

test("'*' anywhere in a methods list allows any method (without credentials), sent as written", async (t) => {
  for (const methods of [['GET', '*'], 'GET, *']) {
    const app = await build({ methods })
    const res = await preflight(app, '/items/1', PARTNER, 'PUT')
    t.equal(res.statusCode, 204, JSON.stringify(methods))
    t.equal(res.headers['access-control-allow-methods'], 'GET, *')
  }
})

test('with origin: false an OPTIONS that is not a preflight is a 404, as with @fastify/cors (CORS is off)', async (t) => {
  const app = await build({ origin: false })
  const res = await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 404)
  const strict = await build({ origin: [PARTNER] })
  t.equal((await strict.inject({ method: 'OPTIONS', url: '/items', headers: { origin: PARTNER } })).statusCode, 400)
})
