// Issue 26: apps written from @fastify/cors's README (its usage, route-level overrides, custom
// hook, asynchronous configuration and origin function examples), run with each plugin, only
// the import swapped. A page's fetch() is played out as a browser does it (Fetch standard: a
// preflight when the method or a header is not safelisted, then the CORS check on the response),
// over real HTTP, and the outcome the page sees is compared: blocked or not, status, body, the
// response headers it can read, and whether the handler ran. The only differences allowed are
// holes in @fastify/cors that fastify-corsica closes, each named.
import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import { type FastifyInstance } from 'fastify'
import fastifyCors from '@fastify/cors'
import corsPlugin from '../src/index.js'
import { serve, type HttpResponse } from './helpers/http.js'

// Warnings (a RegExp with credentials, ...) are not this test's business.
process.removeAllListeners('warning')
process.on('warning', () => {})

type Send = (method: string, path: string, headers?: Record<string, string>) => Promise<HttpResponse>

/** What a page's `fetch(path, { method, headers, credentials })` from `origin` gets. */
interface Call {
  readonly origin: string
  readonly method: string
  readonly path: string
  readonly headers?: Record<string, string>
  readonly credentials?: boolean
}
interface Outcome {
  /** 'preflight' when the preflight failed (the request was never sent), 'response' when the response failed the CORS check. */
  readonly blocked: 'preflight' | 'response' | null
  readonly status?: number
  readonly body?: string
  /** Response headers the page can read beyond the safelisted ones (Access-Control-Expose-Headers). */
  readonly exposed?: string
  /** The handler ran: the request reached the server's route, whatever the page sees. */
  readonly ran: boolean
}

const SAFELISTED_METHODS = ['GET', 'HEAD', 'POST']
const list = (value: string | string[] | undefined): string[] => String(value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '')

/** The CORS check (Fetch standard §4.10) on a response, for a request from `origin`. */
function passesCorsCheck (res: HttpResponse, origin: string, credentials: boolean): boolean {
  const allowOrigin = res.headers['access-control-allow-origin']
  if (allowOrigin === '*' && !credentials) return true
  if (allowOrigin !== origin) return false
  return !credentials || res.headers['access-control-allow-credentials'] === 'true'
}

/** A browser's fetch(): a preflight when needed, judged as Chromium does, then the request and the CORS check. */
async function browserFetch (send: Send, ran: () => number, call: Call): Promise<Outcome> {
  const before = ran()
  const credentials = call.credentials === true
  const headerNames = Object.keys(call.headers ?? {}).map((name) => name.toLowerCase())
  const unsafeHeaders = headerNames.filter((name) => !(name === 'content-type' && /^(text\/plain|multipart\/form-data|application\/x-www-form-urlencoded)\b/.test(call.headers?.[name] ?? '')) && name !== 'accept')
  if (!SAFELISTED_METHODS.includes(call.method) || unsafeHeaders.length > 0) {
    const preflight = await send('OPTIONS', call.path, {
      origin: call.origin,
      'access-control-request-method': call.method,
      ...(unsafeHeaders.length > 0 ? { 'access-control-request-headers': unsafeHeaders.sort().join(',') } : {})
    })
    const methods = list(preflight.headers['access-control-allow-methods'])
    const allowed = list(preflight.headers['access-control-allow-headers']).map((name) => name.toLowerCase())
    const methodOk = SAFELISTED_METHODS.includes(call.method) || methods.includes(call.method) || (!credentials && methods.includes('*'))
    const headersOk = unsafeHeaders.every((name) => allowed.includes(name) || (!credentials && allowed.includes('*') && name !== 'authorization'))
    if (preflight.status < 200 || preflight.status > 299 || !passesCorsCheck(preflight, call.origin, credentials) || !methodOk || !headersOk) {
      return { blocked: 'preflight', ran: ran() > before }
    }
  }
  const res = await send(call.method, call.path, { origin: call.origin, ...call.headers })
  if (!passesCorsCheck(res, call.origin, credentials)) return { blocked: 'response', ran: ran() > before }
  return { blocked: null, status: res.status, body: res.body, exposed: String(res.headers['access-control-expose-headers'] ?? ''), ran: ran() > before }
}

/** An app from @fastify/cors's README: `setup` registers the given plugin and declares routes, counting handler runs. */
interface App {
  readonly name: string
  readonly setup: (app: FastifyInstance, cors: unknown, count: () => void) => Promise<void>
  readonly calls: Call[]
  /**
   * Where the outcomes differ, and why (each a row of the README's migration table): holes in
   * @fastify/cors that fastify-corsica closes, and preflights judged by the route they are for.
   * For a call, what fastify-corsica's outcome must be instead; null where they must be the same.
   */
  readonly differs?: ReadonlyArray<(call: Call, theirs: Outcome) => Difference | null>
}
interface Difference {
  readonly why: string
  /** What fastify-corsica's outcome must be. */
  readonly ours: (outcome: Outcome) => boolean
}

const EXAMPLE = 'https://example.com'
const SUB = 'https://app.example.com'
const EVIL = 'https://example.com.attacker.test'
const LOCAL = 'http://localhost:3000'
const ORIGINS = [EXAMPLE, SUB, EVIL, LOCAL, 'null']

/** Every origin calling every path with a simple GET, a JSON PUT and a DELETE, with and without credentials. */
function callsFor (paths: string[], extra: Partial<Call> = {}): Call[] {
  const calls: Call[] = []
  for (const origin of ORIGINS) {
    for (const path of paths) {
      for (const credentials of [false, true]) {
        calls.push({ origin, method: 'GET', path, credentials, ...extra })
        calls.push({ origin, method: 'PUT', path, headers: { 'content-type': 'application/json' }, credentials, ...extra })
        calls.push({ origin, method: 'DELETE', path, headers: { 'x-request-id': '1' }, credentials, ...extra })
      }
    }
  }
  return calls
}

const items = (app: FastifyInstance, count: () => void, prefix = ''): void => {
  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    app.route({ method, url: `${prefix}/items`, handler: async (_request, reply) => { count(); reply.header('x-total', '3'); return { method } } })
  }
}

/** A hole: a cors: false route whose preflight @fastify/cors lets pass (it judges preflights by the plugin options only). */
const disabledRouteHole = (path: string) => (call: Call, theirs: Outcome): Difference | null =>
  call.path === path && call.method !== 'GET' && theirs.blocked !== 'preflight'
    ? { why: `hole closed: ${path} is cors: false; @fastify/cors passes its preflight (the browser then sends the request and the handler runs), fastify-corsica refuses it`, ours: (outcome) => outcome.blocked === 'preflight' && !outcome.ran }
    : null

/**
 * A route whose own config.cors allows any origin ('*'): @fastify/cors judges its preflight by
 * the plugin options and refuses other origins; fastify-corsica judges it by the route, so the
 * request is sent and its response readable (with credentials both fail: a browser never accepts '*' then).
 */
const publicRoutePreflight = (path: string) => (call: Call, theirs: Outcome): Difference | null =>
  call.path === path && call.credentials !== true && theirs.blocked === 'preflight'
    ? { why: `preflight judged by the route: ${path} allows any origin, @fastify/cors judges its preflight by the plugin options`, ours: (outcome) => outcome.blocked === null }
    : null

/**
 * A hole: with plugin credentials, @fastify/cors passes the credentialed preflight of a route
 * whose own policy is public ('*'), so the browser sends the request with cookies and the handler
 * runs, although the page cannot read the answer; fastify-corsica judges it by the route's policy
 * (no credentials) and the request is never sent.
 */
const publicRouteCredentialsHole = (path: string) => (call: Call, theirs: Outcome): Difference | null =>
  call.path === path && call.credentials === true && call.method !== 'GET' && theirs.blocked === 'response'
    ? { why: `hole closed: ${path} is public (no credentials); @fastify/cors passes its credentialed preflight, so the request runs with cookies; fastify-corsica refuses it`, ours: (outcome) => outcome.blocked === 'preflight' && !outcome.ran }
    : null

/** A hole: `Origin: null` (sandboxed iframes, file: pages: anyone can send it) reflected by origin: true. */
const nullOriginHole = (call: Call, theirs: Outcome): Difference | null =>
  call.origin === 'null' && theirs.blocked === null
    ? { why: 'hole closed: Origin: null is reflected by origin: true in @fastify/cors; fastify-corsica reflects well-formed origins only', ours: (outcome) => outcome.blocked !== null }
    : null

/**
 * An error Fastify answers before the hook the plugin runs in (a PUT without its JSON body is a
 * 400 before preHandler): @fastify/cors never adds its headers, so the page sees a network error;
 * fastify-corsica adds them on the way out (docs/behaviour.md §3.13) and the page reads the 400.
 */
const earlyErrorReadable = (call: Call, theirs: Outcome): Difference | null =>
  theirs.blocked === 'response' && call.origin !== LOCAL && call.origin !== EVIL && call.origin !== 'null'
    ? { why: 'an error sent before the preHandler hook is readable here (the page sees the 400), a network error with @fastify/cors', ours: (outcome) => outcome.blocked === null && outcome.status === 400 && !outcome.ran }
    : null

const APPS: App[] = [
  {
    // Usage, with the RegExp the README recommends for an origin and its subdomains, credentials and the other options.
    name: 'static options with the README\'s RegExp',
    setup: async (app, cors, count) => {
      await app.register(cors as never, { origin: /^https:\/\/([a-z0-9-]+\.)*example\.com$/, credentials: true, methods: ['GET', 'PUT', 'DELETE'], allowedHeaders: ['Content-Type', 'X-Request-Id'], exposedHeaders: ['X-Total'], maxAge: 600 })
      items(app, count)
    },
    calls: callsFor(['/items'])
  },
  {
    // Route-Level CORS Overrides (with `await`: without it, fastify-corsica refuses to start; see the last test).
    name: 'route-level overrides: a public origin \'*\' route and a cors: false route',
    setup: async (app, cors, count) => {
      await app.register(cors as never, { origin: EXAMPLE, methods: ['GET', 'PUT', 'DELETE'] })
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        app.route({ method, url: '/cors-enabled', handler: async () => { count(); return 'CORS headers applied' } })
        app.route({ method, url: '/cors-allow-all', config: { cors: { origin: '*' } }, handler: async () => { count(); return 'Custom CORS headers applied' } })
        app.route({ method, url: '/cors-disabled', config: { cors: false }, handler: async () => { count(); return 'No CORS headers' } })
      }
    },
    calls: callsFor(['/cors-enabled', '/cors-allow-all', '/cors-disabled']),
    differs: [disabledRouteHole('/cors-disabled'), publicRoutePreflight('/cors-allow-all')]
  },
  {
    // The same under plugin credentials: the public route sends '*' without credentials here, '*' with them there; a browser sees the same.
    name: 'route-level overrides under plugin credentials',
    setup: async (app, cors, count) => {
      await app.register(cors as never, { origin: [EXAMPLE, SUB], credentials: true, methods: 'GET,PUT,DELETE' })
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        app.route({ method, url: '/public', config: { cors: { origin: '*' } }, handler: async () => { count(); return 'public' } })
        app.route({ method, url: '/private', config: { cors: false }, handler: async () => { count(); return 'private' } })
      }
      items(app, count)
    },
    calls: callsFor(['/items', '/public', '/private']),
    differs: [disabledRouteHole('/private'), publicRoutePreflight('/public'), publicRouteCredentialsHole('/public')]
  },
  {
    // Custom Fastify hook name.
    name: 'hook: \'preHandler\'',
    setup: async (app, cors, count) => {
      await app.register(cors as never, { hook: 'preHandler' })
      items(app, count)
    },
    calls: callsFor(['/items'])
  },
  {
    // Configuring CORS Asynchronously: options as a function of the instance returning a callback delegator.
    name: 'options as a function returning a callback delegator',
    setup: async (app, cors, count) => {
      app.register(cors as never, ((_instance: FastifyInstance) => {
        return (req: { headers: Record<string, string | undefined> }, callback: (error: Error | null, options: object) => void) => {
          const corsOptions = { origin: true as boolean }
          if (/^localhost$/m.test(req.headers.origin as string)) corsOptions.origin = false
          callback(null, corsOptions)
        }
      }) as never)
      app.register(async (scope) => { items(scope, count) })
      await app.ready()
    },
    calls: callsFor(['/items']),
    differs: [nullOriginHole]
  },
  {
    // The delegator key, with hook: 'preHandler', and an async delegator allowing a list.
    name: 'delegator with hook: \'preHandler\'',
    setup: async (app, cors, count) => {
      app.register(cors as never, {
        hook: 'preHandler',
        delegator: async (req: { headers: Record<string, string | undefined> }) => ({ origin: req.headers.origin === LOCAL ? false : [EXAMPLE, SUB], credentials: true, methods: ['GET', 'PUT', 'DELETE'] })
      })
      app.register(async (scope) => { items(scope, count, '/api') })
      await app.ready()
    },
    calls: callsFor(['/api/items']),
    differs: [earlyErrorReadable]
  },
  {
    // The origin function of the README's options: localhost passes, other origins get an error (a 500 in both).
    name: 'origin function',
    setup: async (app, cors, count) => {
      await app.register(cors as never, {
        origin: (origin: string, cb: (error: Error | null, allow: boolean) => void) => {
          const hostname = new URL(origin).hostname
          if (hostname === 'localhost') {
            cb(null, true)
            return
          }
          cb(new Error('Not allowed'), false)
        }
      })
      items(app, count)
    },
    calls: callsFor(['/items'])
  }
]

for (const spec of APPS) {
  test(`an app from @fastify/cors's README runs unchanged: ${spec.name}`, async (t) => {
    const run = async (cors: unknown): Promise<{ send: Send, ran: () => number }> => {
      let ran = 0
      const app = Fastify()
      await spec.setup(app, cors, () => { ran++ })
      return { send: await serve(t, app), ran: () => ran }
    }
    const ours = await run(corsPlugin)
    const theirs = await run(fastifyCors)
    const seen = new Map<string, number>()
    let same = 0
    for (const call of spec.calls) {
      const name = `${call.method} ${call.path} from ${call.origin}${call.credentials === true ? ' with credentials' : ''}`
      const outcomes = { ours: await browserFetch(ours.send, ours.ran, call), theirs: await browserFetch(theirs.send, theirs.ran, call) }
      const difference = (spec.differs ?? []).map((differs) => differs(call, outcomes.theirs)).find((found) => found !== null) ?? null
      if (difference === null) {
        t.same(outcomes.ours, outcomes.theirs, name)
        same++
      } else {
        t.ok(difference.ours(outcomes.ours), `${name}: ${difference.why}`, { ours: outcomes.ours, theirs: outcomes.theirs })
        seen.set(difference.why, (seen.get(difference.why) ?? 0) + 1)
      }
    }
    t.ok(same > spec.calls.length / 2, `${same} of ${spec.calls.length} calls end the same`)
    // Each difference the app is written to show occurs.
    t.equal(seen.size, (spec.differs ?? []).length, `differences seen: ${[...seen.keys()].join('; ')}`)
  })
}

test('the calls reach every outcome a page can see (the comparison is not vacuous)', async (t) => {
  const outcomes = new Set<string>()
  for (const spec of APPS) {
    let ran = 0
    const app = Fastify()
    await spec.setup(app, corsPlugin, () => { ran++ })
    const send = await serve(t, app)
    for (const call of spec.calls) {
      const outcome = await browserFetch(send, () => ran, call)
      outcomes.add(outcome.blocked === null ? `readable ${outcome.status as number}${outcome.exposed === '' ? '' : ' with exposed headers'}` : `blocked at ${outcome.blocked}`)
    }
  }
  t.same([...outcomes].sort(), ['blocked at preflight', 'blocked at response', 'readable 200', 'readable 200 with exposed headers', 'readable 400', 'readable 400 with exposed headers'].sort(), [...outcomes].join('; '))
})

test('the README\'s route-level overrides example as written (register without await, routes right after): fastify-corsica refuses to start, naming the routes and the fix', async (t) => {
  const app = Fastify()
  app.register(corsPlugin, { origin: EXAMPLE })
  app.get('/cors-enabled', (_req, reply) => { reply.send('CORS headers applied') })
  app.get('/cors-allow-all', { config: { cors: { origin: '*' } } }, (_req, reply) => { reply.send('Custom CORS headers applied') })
  app.get('/cors-disabled', { config: { cors: false } }, (_req, reply) => { reply.send('No CORS headers') })
  const error = await app.ready().then(() => null, (failure: Error & { code?: string }) => failure)
  t.equal(error?.code, 'FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN')
  for (const route of ['GET /cors-enabled', 'GET /cors-allow-all', 'GET /cors-disabled']) t.match(error?.message, route)
  t.match(error?.message, 'await app.register(corsPlugin, options)')
  // With await, the same app starts (the test above runs it).
  const awaited = Fastify()
  await awaited.register(corsPlugin, { origin: EXAMPLE })
  awaited.get('/cors-disabled', { config: { cors: false } }, (_req, reply) => { reply.send('No CORS headers') })
  await t.resolves(async () => { await awaited.ready() })
})
