// Issue 27, parts 2 and 3: every decision published on the `fastify-corsica` diagnostics channel
// (docs/behaviour.md §3.14), and app.printCorsPolicies() (§9). Over real HTTP.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import { serve } from './helpers/http.js'
import { runNode } from './helpers/node.js'
import corsPlugin from '../src/index.js'
import type { CorsDecision } from '../src/request/explain.js'

const APP = 'https://app.example'
const EVIL = 'https://evil.example'

function listen (t: { teardown: (fn: () => unknown) => void }): CorsDecision[] {
  const seen: CorsDecision[] = []
  const listener = (message: unknown): void => { seen.push(message as CorsDecision) }
  subscribe('fastify-corsica', listener)
  t.teardown(() => { unsubscribe('fastify-corsica', listener) })
  return seen
}

test('each decision is published with its kind, origin, method, route, outcome, reason code and deciding policy', async (t) => {
  const seen = listen(t)
  const app = Fastify()
  app.register(async (other) => { other.put('/elsewhere', async () => 'ok') })
  await app.register(async (scope) => {
    await scope.register(corsPlugin, {
      origin: [APP],
      methods: ['GET', 'PUT'],
      allowedHeaders: ['Content-Type'],
      delegator: undefined
    })
    scope.put('/items/:id', async () => 'ok')
    scope.get('/public', { config: { cors: { origin: '*' } } }, async () => 'ok')
    scope.delete('/admin', { config: { cors: false } }, async () => 'ok')
    scope.put('/single', { config: { cors: { origin: 'https://only.example' } } }, async () => 'ok')
  })
  const send = await serve(t, app)
  const preflight = async (path: string, origin: string, method: string, headers: Record<string, string> = {}): Promise<void> => {
    await send('OPTIONS', path, { origin, 'access-control-request-method': method, ...headers })
  }
  await preflight('/items/1', APP, 'PUT')
  await preflight('/items/1', EVIL, 'PUT')
  await preflight('/items/1', APP, 'PATCH')
  await preflight('/items/1', APP, 'PUT', { 'access-control-request-headers': 'x-secret' })
  await preflight('/admin', APP, 'DELETE')
  await preflight('/elsewhere', APP, 'PUT')
  await send('OPTIONS', '*', { origin: APP, 'access-control-request-method': 'PUT' })
  await send('GET', '/public', { origin: EVIL })
  await send('PUT', '/single', { origin: EVIL })
  await send('DELETE', '/admin', { origin: APP })
  await send('GET', '/public')
  const decision = (kind: string, origin: string, method: string, route: string | null, reason: string, policy: string | null): CorsDecision =>
    ({ kind, origin, method, route, allowed: reason === 'allowed', reason, policy }) as CorsDecision
  t.same(seen, [
    decision('preflight', APP, 'PUT', '/items/:id', 'allowed', 'plugin'),
    decision('preflight', EVIL, 'PUT', '/items/:id', 'origin-not-allowed', 'plugin'),
    decision('preflight', APP, 'PATCH', null, 'method-not-allowed', 'plugin'),
    decision('preflight', APP, 'PUT', '/items/:id', 'header-not-allowed', 'plugin'),
    decision('preflight', APP, 'DELETE', '/admin', 'cors-disabled', 'route'),
    decision('preflight', APP, 'PUT', null, 'route-outside-scope', null),
    decision('preflight', APP, 'PUT', null, 'target-not-a-path', null),
    decision('actual', EVIL, 'GET', '/public', 'allowed', 'route'),
    // A single configured origin is sent whatever the Origin (as @fastify/cors does): the browser refuses.
    decision('actual', EVIL, 'PUT', '/single', 'origin-not-allowed', 'route'),
    decision('actual', APP, 'DELETE', '/admin', 'cors-disabled', 'route')
  ], 'requests without Origin are not CORS decisions')
})

test('a delegator is named as the deciding policy', async (t) => {
  const seen = listen(t)
  const app = Fastify()
  await app.register(corsPlugin, { delegator: async () => ({ origin: [APP] }) })
  app.get('/x', async () => 'ok')
  const send = await serve(t, app)
  await send('GET', '/x', { origin: APP })
  await send('OPTIONS', '/x', { origin: EVIL, 'access-control-request-method': 'GET' })
  await send('GET', '/missing', { origin: EVIL })
  t.same(seen.map((d) => [d.kind, d.route, d.reason, d.policy]), [['actual', '/x', 'allowed', 'delegator'], ['preflight', '/x', 'origin-not-allowed', 'delegator'], ['actual', null, 'origin-not-allowed', 'delegator']])
})

test('examples/refusal-metrics.mjs counts refusals by reason', async (t) => {
  t.equal(runNode(['examples/refusal-metrics.mjs']), ['cors-disabled: 1', 'method-not-allowed: 1', 'origin-not-allowed: 2'].join('\n'))
})

const PRINTED = `DELETE /admin  [cors: false]
  CORS off: no CORS headers, preflights refused
PUT, GET, HEAD /items/:id  [plugin options]
  origin          ${APP}, https://*.example.com, /^https:\\/\\/local\\.dev$/
  methods         GET, PUT
  allowedHeaders  Content-Type
  exposedHeaders  (none)
  credentials     true
  maxAge          600
GET, HEAD /open  [route override]
  origin          *
  methods         auto: GET, HEAD
  allowedHeaders  (none)
  exposedHeaders  X-Total
  credentials     false
  maxAge          (not sent)
PUT /tenant (host api.example)  [plugin options]
  origin          ${APP}, https://*.example.com, /^https:\\/\\/local\\.dev$/
  methods         GET, PUT
  allowedHeaders  Content-Type
  exposedHeaders  (none)
  credentials     true
  maxAge          600
GET, HEAD /v (version or custom constraint)  [plugin options]
  origin          ${APP}, https://*.example.com, /^https:\\/\\/local\\.dev$/
  methods         GET, PUT
  allowedHeaders  Content-Type
  exposedHeaders  (none)
  credentials     true
  maxAge          600
GET, HEAD /v (version or custom constraint)  [route override]
  origin          https://v2.example
  methods         GET, PUT
  allowedHeaders  Content-Type
  exposedHeaders  (none)
  credentials     true
  maxAge          600
(no route: 404s)  [plugin options]
  origin          ${APP}, https://*.example.com, /^https:\\/\\/local\\.dev$/
  methods         GET, PUT
  allowedHeaders  Content-Type
  exposedHeaders  (none)
  credentials     true
  maxAge          600
`

test('printCorsPolicies() shows the effective policy of every route, and follows reconfiguration', async (t) => {
  const handle = corsPlugin.createCorsHandle()
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP, 'https://*.example.com', /^https:\/\/local\.dev$/], credentials: true, methods: ['GET', 'PUT'], allowedHeaders: 'Content-Type', maxAge: 600, handle })
  app.put('/items/:id', async () => 'ok')
  app.get('/items/:id', async () => 'ok')
  app.get('/open', { config: { cors: { origin: '*', credentials: false, methods: 'auto', allowedHeaders: [], exposedHeaders: 'X-Total', maxAge: undefined } } }, async () => 'ok')
  app.delete('/admin', { config: { cors: false } }, async () => 'ok')
  app.put('/tenant', { constraints: { host: 'api.example' } }, async () => 'ok')
  app.get('/v', { constraints: { version: '1.0.0' } }, async () => 'ok')
  app.get('/v', { constraints: { version: '2.0.0' }, config: { cors: { origin: 'https://v2.example' } } }, async () => 'ok')
  t.throws(() => app.printCorsPolicies(), { code: 'FST_CORS_NOT_READY' })
  await app.ready()
  t.equal(app.printCorsPolicies(), PRINTED)
  handle.reconfigure({ ...handle.options, origin: 'https://other.example' })
  t.match(app.printCorsPolicies(), /PUT, GET, HEAD \/items\/:id {2}\[plugin options\]\n {2}origin {10}https:\/\/other\.example\n/)
  t.notMatch(app.printCorsPolicies(), APP)
})

test('printCorsPolicies() names per-request decisions: a delegator, an origin function, origin: true', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { delegator: async () => ({ origin: [APP] }) })
  app.get('/d', async () => 'ok')
  app.get('/r', { config: { cors: { origin: APP } } }, async () => 'ok')
  await app.ready()
  t.match(app.printCorsPolicies(), 'GET, HEAD /d  [delegator: decided per request, over the plugin options]')
  t.match(app.printCorsPolicies(), `GET, HEAD /r  [delegator: decided per request, over the route's config.cors]\n  origin          ${APP}\n`)
  const fn = Fastify()
  await fn.register(corsPlugin, { methods: 'auto', origin: (_origin: string | undefined, cb: (error: Error | null, allow: boolean) => void) => { cb(null, true) } })
  fn.get('/f', { config: { cors: { origin: true } } }, async () => 'ok')
  fn.get('/g', async () => 'ok')
  await fn.ready()
  t.match(fn.printCorsPolicies(), 'GET, HEAD /f  [route override]\n  origin          any, reflected (origin: true)\n')
  t.match(fn.printCorsPolicies(), 'GET, HEAD /g  [plugin options]\n  origin          decided per request (origin function)\n')
  t.match(fn.printCorsPolicies(), 'GET, HEAD /g  [plugin options]\n  origin          decided per request (origin function)\n  methods         auto: GET, HEAD\n')
  t.match(fn.printCorsPolicies(), '(no route: 404s)  [plugin options]\n  origin          decided per request (origin function)\n  methods         auto: none routed\n')
})
