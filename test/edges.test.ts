// Edges of route-aware preflights (docs/behaviour.md §3.12, §5), each over real HTTP: a preflight
// is judged by the route Fastify really serves, read from the routes' final options, with the
// host the router reads (HTTP/2's :authority), whatever the number of constraint values.
import net from 'node:net'
import { test } from 'tap'
import Fastify, { withRouterOptions } from './helpers/fastify.js'
import { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import corsPlugin, { createCorsHandle } from '../src/index.js'
import { emitted } from './helpers/app.js'
import { corsOf, serve, serveHttp2 } from './helpers/http.js'

// The warnings test reconfigures 300 times with a new warning each time: collected, not printed.
process.removeAllListeners('warning')

const APP = 'https://app.example'
const PARTNER = 'https://partner.example'
const DISABLED = 'CORS preflight refused: CORS is disabled for this route'
const ORIGIN_REFUSED = 'CORS preflight refused: origin not allowed'
const asks = (origin: string, method: string): Record<string, string> => ({ origin, 'access-control-request-method': method })

test('HTTP/2: the host comes from :authority, as the router reads it; a host-constrained cors: false route gets no successful preflight', async (t) => {
  let ran = 0
  const app = Fastify({ http2: true })
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
  app.delete('/records/:id', { constraints: { host: 'admin.test' }, config: { cors: false } }, async () => { ran++; return 'admin' })
  app.delete('/records/:id', async () => 'public')
  const send = await serveHttp2(t, app)
  const admin = await send('OPTIONS', '/records/1', 'admin.test', asks(APP, 'DELETE'))
  t.equal(admin.status, 403)
  t.equal(admin.body, DISABLED)
  t.same(corsOf(admin), {})
  const deleted = await send('DELETE', '/records/1', 'admin.test', { origin: APP })
  t.equal(deleted.body, 'admin', 'the actual request would reach the admin route')
  t.same(corsOf(deleted), {}, 'and gets no CORS headers')
  t.equal(ran, 1)
  const open = await send('OPTIONS', '/records/1', 'api.test', asks(APP, 'DELETE'))
  t.equal(open.status, 204)
  t.same(corsOf(open), { vary: 'Origin, Access-Control-Request-Headers', 'access-control-allow-origin': APP, 'access-control-allow-methods': 'GET,DELETE' })
})

test('HTTP/2: a route override behind a host constraint answers with its own policy', async (t) => {
  const app = Fastify({ http2: true })
  await app.register(corsPlugin, { origin: [APP], methods: 'auto' })
  app.put('/doc', { constraints: { host: 'partner.test' }, config: { cors: { origin: [PARTNER], maxAge: 60 } } }, async () => 'partner')
  app.put('/doc', async () => 'app')
  const send = await serveHttp2(t, app)
  const partner = await send('OPTIONS', '/doc', 'partner.test', asks(PARTNER, 'PUT'))
  t.equal(partner.status, 204)
  t.same(corsOf(partner), { vary: 'Origin, Access-Control-Request-Headers', 'access-control-allow-origin': PARTNER, 'access-control-allow-methods': 'PUT', 'access-control-max-age': '60' })
  t.equal((await send('OPTIONS', '/doc', 'partner.test', asks(APP, 'PUT'))).body, ORIGIN_REFUSED)
  t.equal((await send('OPTIONS', '/doc', 'app.test', asks(APP, 'PUT'))).status, 204)
  t.equal((await send('OPTIONS', '/doc', 'app.test', asks(PARTNER, 'PUT'))).status, 403)
})

test('host constraints given as RegExps with the g or y flag: the same answer every time, as the router tests them', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP, PARTNER], methods: 'GET,DELETE' })
  app.delete('/records/:id', { constraints: { host: /^admin\.test$/g }, config: { cors: false } }, async () => 'admin')
  app.delete('/records/:id', { constraints: { host: /partner\./y }, config: { cors: { origin: [PARTNER] } } }, async () => 'partner')
  app.delete('/records/:id', async () => 'public')
  const send = await serve(t, app)
  // In a row: a RegExp with g or y tested by hand alternates between true and false.
  const answers: string[] = []
  for (const [origin, host] of [[APP, 'admin.test'], [APP, 'partner.test'], [PARTNER, 'partner.test']]) {
    for (let i = 0; i < 4; i++) answers.push(`${host} ${origin}: ${(await send('OPTIONS', '/records/1', { ...asks(origin, 'DELETE'), host })).status}`)
  }
  t.same(answers, [
    ...Array.from({ length: 4 }, () => `admin.test ${APP}: 403`),
    ...Array.from({ length: 4 }, () => `partner.test ${APP}: 403`),
    ...Array.from({ length: 4 }, () => `partner.test ${PARTNER}: 204`)
  ])
  t.equal((await send('DELETE', '/records/1', { origin: APP, host: 'admin.test' })).body, 'admin', 'the router serves the admin route every time')
  t.equal((await send('OPTIONS', '/records/1', { ...asks(APP, 'DELETE'), host: 'api.test' })).status, 204)
})

test('patterns that differ only by a parameter RegExp, one behind a host constraint: a preflight is judged by the routes whose RegExp accepts the value (HTTP/1.1 and HTTP/2)', async (t) => {
  for (const http2 of [false, true]) {
    const ran: string[] = []
    const app = (http2 ? Fastify({ http2: true }) : Fastify()) as unknown as FastifyInstance
    await app.register(corsPlugin, { origin: [APP, PARTNER], methods: ['GET', 'PUT', 'PATCH', 'DELETE'] })
    const handler = (name: string) => async () => { ran.push(name); return name }
    // The digits-only route is the admin host's; any other value goes to the cors: false route, whatever the host.
    app.patch('/items/:id', { config: { cors: false } }, handler('closed'))
    app.patch('/items/:id(^\\d+$)', { constraints: { host: 'admin.test' } }, handler('digits'))
    // The other way round: the admin host's RegExp route is partner-only; other values go to the open route.
    app.put('/docs/:id(^\\d+$)', { constraints: { host: 'admin.test' }, config: { cors: { origin: [PARTNER] } } }, handler('partner-digits'))
    app.put('/docs/:id', handler('open'))
    // The host rule holds within a pattern only: on the admin host, '7' is served by the cors: false RegExp route.
    app.delete('/files/:id', { constraints: { host: 'admin.test' } }, handler('admin-files'))
    app.delete('/files/:id(^\\d+$)', { config: { cors: false } }, handler('closed-digits'))
    const send: (method: string, path: string, host: string, headers?: Record<string, string>) => Promise<{ status: number, body: string, headers: Record<string, unknown> }> = http2
      ? await serveHttp2(t, app as never)
      : await (async () => { const plain = await serve(t, app); return async (method, path, host, headers = {}) => await plain(method, path, { ...headers, host }) })()
    const label = http2 ? 'HTTP/2' : 'HTTP/1.1'
    // The value the admin route's RegExp refuses ('5;jsessionid=1' is one value without useSemicolonDelimiter): the cors: false route.
    for (const path of ['/items/5;jsessionid=1', '/items/abc']) {
      const refused = await send('OPTIONS', path, 'admin.test', asks(APP, 'PATCH'))
      t.equal(refused.status, 403, `${label} ${path}`)
      t.equal(refused.body, DISABLED, `${label} ${path}`)
      t.same(corsOf(refused as never), {})
      t.equal((await send('PATCH', path, 'admin.test', { origin: APP })).body, 'closed', `${label}: the router serves ${path} with the cors: false route`)
    }
    // A value both accept on the admin host: the router tries patterns in an order of its own, so both are judged (§5.2) and the strictest refuses.
    t.equal((await send('OPTIONS', '/items/5', 'admin.test', asks(APP, 'PATCH'))).body, DISABLED, label)
    // The partner-only RegExp route does not take '1-2': the open route's answer.
    const open = await send('OPTIONS', '/docs/1-2', 'admin.test', asks(APP, 'PUT'))
    t.equal(open.status, 204, label)
    t.same(corsOf(open as never), { vary: 'Origin, Access-Control-Request-Headers', 'access-control-allow-origin': APP, 'access-control-allow-methods': 'GET, PUT, PATCH, DELETE' }, label)
    t.equal((await send('PUT', '/docs/1-2', 'admin.test', { origin: APP })).body, 'open', label)
    t.equal((await send('OPTIONS', '/docs/12', 'admin.test', asks(APP, 'PUT'))).body, ORIGIN_REFUSED, `${label}: '12' may be the partner-only route's`)
    t.equal((await send('OPTIONS', '/files/7', 'admin.test', asks(APP, 'DELETE'))).body, DISABLED, label)
    t.equal((await send('DELETE', '/files/7', 'admin.test', { origin: APP })).body, 'closed-digits', `${label}: the router tries the RegExp pattern first`)
    t.same(ran, ['closed', 'closed', 'open', 'closed-digits'])
  }
})

test('a parameter RegExp is tested on the value as sent, not folded: a case-insensitive router serves /k/\u212A (Kelvin sign) with the cors: false route', async (t) => {
  for (const constraints of [{}, { version: '1.0.0' }]) {
    const app = Fastify(withRouterOptions({ caseSensitive: false }))
    await app.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
    app.delete('/k/:c(^\u212A$)', { constraints, config: { cors: false } }, async () => 'kelvin')
    app.delete('/k/:c', async () => 'other')
    const send = await serve(t, app)
    const label = JSON.stringify(constraints)
    // Folded, the Kelvin sign is 'k', which the RegExp refuses even ignoring case; as sent, it accepts it.
    const kelvin = await send('OPTIONS', '/k/%E2%84%AA', asks(APP, 'DELETE'))
    t.equal(kelvin.body, DISABLED, label)
    t.equal((await send('DELETE', '/k/%E2%84%AA', { origin: APP, 'accept-version': '1.x' })).body, 'kelvin', label)
    t.equal((await send('OPTIONS', '/k/k', asks(APP, 'DELETE'))).status, 204, label)
  }
})

/** An app whose onRoute hook, added after the plugin, changes routes' config and constraints. */
async function appWithLateHook (counts: Record<string, number>): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT,DELETE' })
  app.addHook('onRoute', (route) => {
    const config = route.config as Record<string, unknown> | undefined
    // Changes config (a copy keeps what the plugin put there), replaces it, or changes constraints.
    if (route.url.startsWith('/admin')) route.config = { ...route.config, cors: false } as never
    if (route.url === '/legacy') route.config = { cors: false } as never
    if (route.url === '/public' && route.method === 'GET') route.config = {} as never
    if (config?.internal === true) route.constraints = { host: 'internal.test' }
  })
  const handler = (name: string) => async () => { counts[name] = (counts[name] ?? 0) + 1; return name }
  app.delete('/admin/users/:id', handler('admin'))
  app.delete('/legacy', handler('legacy'))
  app.get('/public', { config: { cors: false } }, handler('public'))
  app.delete('/internal', { config: { internal: true, cors: false } as never }, handler('internal'))
  app.delete('/internal', handler('open'))
  return app
}

test('an onRoute hook added after the plugin: preflights and actual requests follow the options Fastify serves', async (t) => {
  const counts: Record<string, number> = {}
  const send = await serve(t, await appWithLateHook(counts))
  const admin = await send('OPTIONS', '/admin/users/1', asks(APP, 'DELETE'))
  t.equal(admin.status, 403)
  t.equal(admin.body, DISABLED)
  t.same(corsOf(await send('DELETE', '/admin/users/1', { origin: APP })), {}, 'the actual request has no CORS headers')
  t.equal((await send('OPTIONS', '/legacy', asks(APP, 'DELETE'))).body, DISABLED, 'a replaced config')
  t.same(corsOf(await send('DELETE', '/legacy', { origin: APP })), {})
  t.same(corsOf(await send('GET', '/public', { origin: APP })), { vary: 'Origin', 'access-control-allow-origin': APP }, 'a config replaced without cors: the plugin options')
  t.equal((await send('OPTIONS', '/internal', { ...asks(APP, 'DELETE'), host: 'internal.test' })).body, DISABLED, 'constraints added by the hook')
  t.equal((await send('OPTIONS', '/internal', { ...asks(APP, 'DELETE'), host: 'api.test' })).status, 204)
  t.equal((await send('DELETE', '/internal', { origin: APP, host: 'internal.test' })).body, 'internal')
  t.same(counts, { admin: 1, legacy: 1, public: 1, internal: 1 })
})

/** A constraint strategy reading one request header, as apps write them. */
function headerStrategy (name: string): Record<string, unknown> {
  return {
    name,
    storage () {
      const stores = new Map<string, unknown>()
      return { get: (value: string) => stores.get(value) ?? null, set: (value: string, store: unknown) => { stores.set(value, store) } }
    },
    deriveConstraint: (request: { headers: Record<string, string | undefined> }) => request.headers[`x-${name}`],
    mustMatchWhenDerived: true,
    validate: () => {}
  }
}

test('hundreds of constraint values: never refused for their number, judged by the routes that may serve the request', async (t) => {
  const app = Fastify(withRouterOptions({ constraints: { tenant: headerStrategy('tenant'), region: headerStrategy('region') } }) as unknown as FastifyServerOptions)
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT,DELETE' })
  // find-my-way holds at most 31 constrained routes per path: the values are spread over paths.
  for (let i = 0; i < 64; i++) app.put(`/docs${i}/:id`, { constraints: { version: `${i}.0.0` } }, async () => `v${i}`)
  for (let tenant = 0; tenant < 7; tenant++) {
    for (let region = 0; region < 7; region++) {
      app.delete(`/:org/area${region}/records`, { constraints: { tenant: `t${tenant}`, region: `r${region}` } as never }, async () => `${tenant}/${region}`)
    }
    app.delete('/:org/records/:id', { constraints: { tenant: `t${tenant}` } as never, ...(tenant === 6 ? { config: { cors: false } } : {}) }, async () => `${tenant}`)
  }
  app.put('/plain', async () => 'plain')
  app.delete('/:org/settings', async () => 'settings')
  const send = await serve(t, app)
  t.equal((await send('OPTIONS', '/docs1/1', asks(APP, 'PUT'))).status, 204, 'one of 64 versioned routes')
  t.equal((await send('OPTIONS', '/plain', asks(APP, 'PUT'))).status, 204, 'an unconstrained route of the same method')
  t.equal((await send('OPTIONS', '/acme/settings', asks(APP, 'DELETE'))).status, 204, 'an unconstrained route beside 56 constrained ones')
  t.equal((await send('OPTIONS', '/acme/area3/records', asks(APP, 'DELETE'))).status, 204, 'seven constrained routes, all allowing it')
  // One of the seven routes on this pattern has cors: false, and the preflight cannot say which it is for.
  const records = await send('OPTIONS', '/acme/records/1', asks(APP, 'DELETE'))
  t.equal(records.status, 403)
  t.equal(records.body, DISABLED)
  t.equal((await send('DELETE', '/acme/records/1', { origin: APP, 'x-tenant': 't6' })).body, '6')
})

test('a prefixed \'/\' route with GET, HEAD and DELETE: preflights on /prefix and /prefix/ are judged by it', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'auto' })
  await app.register(async (api) => {
    api.route({ method: ['GET', 'HEAD', 'DELETE'], url: '/', handler: async () => 'root' })
  }, { prefix: '/api' })
  const send = await serve(t, app)
  for (const path of ['/api', '/api/']) {
    const answer = await send('OPTIONS', path, asks(APP, 'DELETE'))
    t.equal(answer.status, 204, path)
    t.equal(answer.headers['access-control-allow-methods'], 'GET, HEAD, DELETE', path)
  }
})

test('a config.cors put on a route after the app is ready was never compiled: the route takes the plugin options', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP] })
  app.get('/open', async (request) => {
    // Fastify does not support this; the plugin compiled config.cors when the app became ready.
    (request.routeOptions.config as { cors?: unknown }).cors = { origin: [PARTNER] }
    return 'ok'
  })
  const send = await serve(t, app)
  t.equal(corsOf(await send('GET', '/open', { origin: APP }))['access-control-allow-origin'], APP)
  const after = await send('GET', '/open', { origin: PARTNER })
  t.same(corsOf(after), { vary: 'Origin' }, 'the value put there later is not read')
  t.equal(corsOf(await send('GET', '/open', { origin: APP }))['access-control-allow-origin'], APP, 'the plugin options still apply')
})

test('warnings: given at reconfiguration as at registration, once per message per registration, in bounded memory', async (t) => {
  const cors = createCorsHandle()
  const app = Fastify()
  const start = await emitted(t, async () => {
    await app.register(corsPlugin, { handle: cors, origin: [APP], credentials: true, allowedHeaders: 'Content-Type' })
    app.get('/public', { config: { cors: { origin: '*' } } }, async () => 'public')
    await app.ready()
  })
  t.same(start.map((warning) => warning.code), ['FST_CORS_PUBLIC_ROUTE_WITHOUT_CREDENTIALS'], 'a route warning at startup')
  t.teardown(() => app.close())
  t.same(await emitted(t, async () => { cors.reconfigure({ origin: [APP], credentials: false }) }), [], 'nothing to warn about')
  t.same(await emitted(t, async () => { cors.reconfigure({ origin: [APP], credentials: true, allowedHeaders: 'Content-Type' }) }), [], 'the same route warning is not given twice')
  const many = await emitted(t, async () => { for (let i = 0; i < 300; i++) cors.reconfigure({ origin: [APP], maxAge: 90000 + i }) })
  t.equal(many.length, 300, 'a new message each time')
  t.ok(many.every((warning) => warning.code === 'FST_CORS_MAX_AGE_ABOVE_CAP'))
  t.same(await emitted(t, async () => { cors.reconfigure({ origin: [APP], maxAge: 90299 }) }), [], 'a message given lately is not given again')
  const again = await emitted(t, async () => { cors.reconfigure({ origin: [APP], maxAge: 90000 }) })
  t.equal(again.length, 1, 'only the latest messages are remembered: memory stays bounded')
})

/** Sends one request as raw bytes (request targets a client library would not send) and returns the status line and body. */
async function raw (port: number, target: string, headers: Record<string, string>): Promise<{ status: string, body: string }> {
  return await new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end(`OPTIONS ${target} HTTP/1.1\r\nHost: api.test\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}Connection: close\r\n\r\n`)
    })
    let data = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { data += chunk })
    socket.on('end', () => resolve({ status: data.slice(0, data.indexOf('\r\n')), body: data.slice(data.indexOf('\r\n\r\n') + 4) }))
    socket.on('error', reject)
  })
}

test('request targets the router cannot read as a path (asterisk-form, another scheme): refused, with the reason', async (t) => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => { lines.push(JSON.parse(line).msg as string) } } } })
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT' })
  app.put('/x', async () => 'x')
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  for (const target of ['*', 'ftp://api.test/x']) {
    const answer = await raw(port, target, asks(APP, 'PUT'))
    t.equal(answer.status, 'HTTP/1.1 403 Forbidden', target)
    t.equal(answer.body, 'CORS preflight refused: the request target is not a path', target)
  }
  t.ok(lines.some((line) => line === 'fastify-corsica refused the preflight for PUT *: its path cannot be read; browsers send a path (origin-form); this request did not come from one'), 'explained at debug level')
})

test('two servers in one process share nothing: the same paths, each judged by its own routes and options', async (t) => {
  const one = Fastify()
  await one.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
  one.delete('/records/:id', { config: { cors: false } }, async () => 'one')
  const two = Fastify()
  await two.register(corsPlugin, { origin: [PARTNER], methods: 'GET,DELETE' })
  two.delete('/records/:id', async () => 'two')
  const sendOne = await serve(t, one)
  const sendTwo = await serve(t, two)
  for (let i = 0; i < 2; i++) {
    t.equal((await sendOne('OPTIONS', '/records/1', asks(APP, 'DELETE'))).body, DISABLED)
    t.equal((await sendTwo('OPTIONS', '/records/1', asks(PARTNER, 'DELETE'))).status, 204)
    t.equal((await sendTwo('OPTIONS', '/records/1', asks(APP, 'DELETE'))).body, ORIGIN_REFUSED)
  }
})
