import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import { type FastifyInstance } from 'fastify'
import corsPlugin from '../src/index.js'
import { corsHeaders, EVIL, PARTNER, preflight } from './helpers/app.js'

interface Line { level: number, msg: string, cors?: { refused: string, origin: string | null, method: string, path: string } }

/** An app logging at `level` into an array; only the plugin's explanation lines are kept. */
async function logged (level: string, options: Record<string, unknown> = {}, extra?: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, lines: Line[] }> {
  const lines: Line[] = []
  const app = Fastify({ logger: { level, stream: { write: (raw: string) => { const line = JSON.parse(raw) as Line; if (line.cors !== undefined) lines.push(line) } } } })
  await app.register(corsPlugin, { origin: [PARTNER], methods: 'GET,PUT', allowedHeaders: 'Content-Type, X-Request-Id', ...options })
  app.put('/items/:id', async () => 'ok')
  app.get('/items', async () => 'ok')
  app.delete('/internal/:id', { config: { cors: false } }, async () => 'gone')
  extra?.(app)
  await app.ready()
  return { app, lines }
}

test('a denied actual request logs one debug line with origin, path, rule and fix', async (t) => {
  const { app, lines } = await logged('debug')
  await app.inject({ url: '/items', headers: { origin: EVIL } })
  t.equal(lines.length, 1)
  t.same(lines[0].cors, { refused: 'origin', origin: EVIL, method: 'GET', path: '/items' })
  t.equal(lines[0].level, 20)
  t.equal(lines[0].msg, `fastify-corsica refused CORS headers for ${EVIL} on /items: the origin is not allowed; add "${EVIL}" to the plugin's origin option if it should be allowed`)
})

test('a preflight refused for its origin logs one line, and its 403 body says why', async (t) => {
  const { app, lines } = await logged('debug')
  const res = await preflight(app, '/items/1', EVIL, 'PUT')
  t.equal(res.body, 'CORS preflight refused: origin not allowed')
  t.equal(lines.length, 1)
  t.match(lines[0].msg, /^fastify-corsica refused the preflight for https:\/\/evil\.example on \/items\/1: the origin is not allowed/)
})

test('a preflight to a cors: false route logs one line naming the route config', async (t) => {
  const { app, lines } = await logged('debug')
  const res = await preflight(app, '/internal/1', PARTNER, 'DELETE')
  t.equal(res.statusCode, 403)
  t.equal(lines.length, 1)
  t.equal(lines[0].cors?.refused, 'disabled')
  t.match(lines[0].msg, /CORS is disabled for this route \(config\.cors: false or origin: false\); remove cors: false from the route/)
})

test('a preflight for a method outside methods is refused 403 with one line', async (t) => {
  const { app, lines } = await logged('debug')
  const res = await preflight(app, '/items/1', PARTNER, 'PATCH')
  t.equal(res.statusCode, 403)
  t.equal(res.body, 'CORS preflight refused: method not allowed')
  t.same(corsHeaders(res), { vary: 'Origin' })
  t.equal(lines.length, 1)
  t.equal(lines[0].msg, "fastify-corsica refused the preflight for PATCH /items/1 from https://partner.example: PATCH is not in methods (GET,PUT); add 'PATCH' to methods (or this route's config.cors.methods) if it should be allowed")
})

test('safelisted methods pass the method check whatever methods says', async (t) => {
  const { app } = await logged('info', { methods: 'PUT' })
  for (const method of ['GET', 'HEAD', 'POST']) {
    t.equal((await preflight(app, '/items', PARTNER, method)).statusCode, 204, method)
  }
})

test('a preflight asking for a header outside allowedHeaders is refused 403 with one line', async (t) => {
  const { app, lines } = await logged('debug')
  const res = await preflight(app, '/items/1', PARTNER, 'PUT', 'content-type,x-secret')
  t.equal(res.statusCode, 403)
  t.equal(res.body, 'CORS preflight refused: request header not allowed')
  t.equal(lines.length, 1)
  t.match(lines[0].msg, /request header 'x-secret' is not in allowedHeaders \(Content-Type, X-Request-Id\); add 'x-secret' to allowedHeaders/)
})

test('refusals at info level send the same 403 and log nothing', async (t) => {
  const { app, lines } = await logged('info')
  const header = await preflight(app, '/items/1', PARTNER, 'PUT', 'content-type,x-secret')
  t.equal(header.statusCode, 403)
  t.equal(header.body, 'CORS preflight refused: request header not allowed')
  const method = await preflight(app, '/items/1', PARTNER, 'DELETE')
  t.equal(method.statusCode, 403)
  t.equal(method.body, 'CORS preflight refused: method not allowed')
  t.equal(lines.length, 0)
})

test("a method refusal under methods: 'auto' lists the methods routed on the path and suggests a route", async (t) => {
  const { app, lines } = await logged('debug', { methods: 'auto' })
  const res = await preflight(app, '/nowhere', PARTNER, 'PUT')
  t.equal(res.statusCode, 403)
  t.equal(lines.length, 1)
  t.match(lines[0].msg, /no PUT route serves this path \(methods: 'auto'; routed here: none\); add a PUT route for this path if it should be allowed/)
  const patch = await preflight(app, '/items/1', PARTNER, 'PATCH')
  t.equal(patch.statusCode, 403)
  t.match(lines[1].msg, /no PATCH route serves this path \(methods: 'auto'; routed here: PUT\); add a PATCH route/)
})

test('an origin refused by a route override points at the route\'s config.cors.origin; by a delegator, at its result', async (t) => {
  const { app, lines } = await logged('debug', {}, (app) => {
    app.put('/partner', { config: { cors: { origin: [PARTNER], methods: 'PUT' } } }, async () => 'p')
  })
  const res = await preflight(app, '/partner', EVIL, 'PUT')
  t.equal(res.statusCode, 403)
  t.match(lines[0].msg, /add "https:\/\/evil\.example" to this route's config\.cors\.origin \(it overrides the plugin's origin\)/)
  const delegated = await logged('debug', { delegator: async () => ({ origin: [PARTNER] }) })
  await delegated.app.inject({ url: '/items', headers: { origin: EVIL } })
  t.match(delegated.lines[0].msg, /add "https:\/\/evil\.example" to the origin your delegator returns for this request/)
})

test('listed headers pass case-insensitively', async (t) => {
  const { app } = await logged('info')
  const res = await preflight(app, '/items/1', PARTNER, 'PUT', 'X-REQUEST-ID, content-type')
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-headers'], 'Content-Type, X-Request-Id')
})

test("allowedHeaders '*' allows any header but Authorization, which must be listed", async (t) => {
  const { app } = await logged('info', { allowedHeaders: '*' })
  t.equal((await preflight(app, '/items/1', PARTNER, 'PUT', 'x-anything')).statusCode, 204)
  t.equal((await preflight(app, '/items/1', PARTNER, 'PUT', 'x-a,authorization')).statusCode, 403)
  const listed = await logged('info', { allowedHeaders: '*, Authorization' })
  t.equal((await preflight(listed.app, '/items/1', PARTNER, 'PUT', 'x-a,authorization')).statusCode, 204)
})

test("methods '*' without credentials allows any method", async (t) => {
  const { app } = await logged('info', { methods: '*' })
  t.equal((await preflight(app, '/items/1', PARTNER, 'PROPFIND')).statusCode, 204)
})

test('an OPTIONS that is not a preflight logs one line with the fix', async (t) => {
  const { app, lines } = await logged('debug')
  const res = await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 400)
  t.equal(lines.length, 1)
  t.equal(lines[0].cors?.refused, 'malformed')
  t.match(lines[0].msg, /set strictPreflight: false to answer 404 instead of 400/)
  const lenient = await logged('debug', { strictPreflight: false })
  await lenient.app.inject({ method: 'OPTIONS', url: '/items' })
  t.match(lenient.lines[0].msg, /declare an OPTIONS route for the path if it should be answered$/)
})

test('allowed requests and requests without Origin log nothing', async (t) => {
  const { app, lines } = await logged('trace')
  await app.inject({ url: '/items', headers: { origin: PARTNER } })
  await app.inject({ url: '/items' })
  await app.inject({ url: '/internal/1', method: 'DELETE' })
  await preflight(app, '/items/1', PARTNER, 'PUT', 'x-request-id')
  t.same(lines, [])
})

test('with logging above debug no explanation is written', async (t) => {
  const { app, lines } = await logged('info')
  await app.inject({ url: '/items', headers: { origin: EVIL } })
  await preflight(app, '/items/1', PARTNER, 'PATCH')
  t.same(lines, [])
})

test('a preflight for a route outside every registration\'s scope logs one line with the fix', async (t) => {
  const lines: Line[] = []
  const app = Fastify({ logger: { level: 'debug', stream: { write: (raw: string) => { const line = JSON.parse(raw) as Line; if (line.cors !== undefined) lines.push(line) } } } })
  await app.register(async (outside) => { outside.put('/outside', async () => 'outside') })
  await app.register(async (api) => { await api.register(corsPlugin, { origin: [PARTNER] }) })
  await app.ready()
  const res = await preflight(app, '/outside', PARTNER, 'PUT')
  t.equal(res.body, "CORS preflight refused: the route is outside fastify-corsica's scope (it gets no CORS headers)")
  t.equal(lines.length, 1)
  t.same(lines[0].cors, { refused: 'route', origin: PARTNER, method: 'OPTIONS', path: '/outside' })
  t.equal(lines[0].msg, 'fastify-corsica refused the preflight for PUT /outside: Fastify serves it with a route outside the scope of every fastify-corsica registration (it gets no CORS headers); register the plugin in a scope that holds the route if cross-origin calls are intended')
})
