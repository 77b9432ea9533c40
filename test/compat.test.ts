// Issue 18: a differential test against @fastify/cors. Seeded generated options that both
// plugins accept (every option of @fastify/cors, every origin form, delegators, route configs,
// hooks), requests of every kind, both plugins over real HTTP; status, every CORS header,
// Content-Type and body are compared byte for byte. Each difference must be one of DIFFERENCES (each with its reason, and
// the README's migration table holds exactly their rows), and each listed difference must occur.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import fc from 'fast-check'
import Fastify from './helpers/fastify.js'
import { type FastifyInstance } from 'fastify'
import fastifyCors from '@fastify/cors'
import corsPlugin from '../src/index.js'
import { serve, type HttpResponse } from './helpers/http.js'

const A = 'https://a.example'
const B = 'https://b.example'
const EVIL = 'https://evil.example'
const PARTNER_CORS = { origin: [B], methods: 'GET,PUT' }

// Warnings (credentials without allowedHeaders, ...) are the plugin's business, not this test's.
process.removeAllListeners('warning')
process.on('warning', () => {})

type Options = Record<string, unknown>
interface Config {
  readonly options: Options
  /** 'static': options as given; 'delegator': { delegator: async () => options, hook }. */
  readonly mode: 'static' | 'delegator'
}

const originArb = fc.constantFrom<unknown>(
  '*', A, [A, B], [/^https:\/\/a\.example$/], true, false,
  'fn-async', 'fn-callback'
)
const optionsArb = fc.record({
  origin: originArb,
  credentials: fc.constantFrom(undefined, true, false),
  methods: fc.constantFrom(undefined, 'GET,PUT', ['GET', 'PUT', 'DELETE'], 'GET, PUT,DELETE'),
  allowedHeaders: fc.constantFrom(undefined, 'Content-Type,X-Custom', ['Content-Type', 'X-Custom']),
  exposedHeaders: fc.constantFrom(undefined, 'X-Total', ['X-A', 'X-B']),
  maxAge: fc.constantFrom(undefined, 0, 600),
  cacheControl: fc.constantFrom(undefined, 300, 'no-store'),
  optionsSuccessStatus: fc.constantFrom(undefined, 200),
  preflightContinue: fc.constantFrom(undefined, true),
  strictPreflight: fc.constantFrom(undefined, false),
  preflight: fc.constantFrom(undefined, undefined, false),
  hook: fc.constantFrom(undefined, 'onRequest', 'preHandler', 'preSerialization'),
  hideOptionsRoute: fc.constantFrom(undefined, false),
  logLevel: fc.constantFrom(undefined, 'warn')
}, { requiredKeys: [] })
const configArb: fc.Arbitrary<Config> = fc.record({ options: optionsArb, mode: fc.constantFrom<Config['mode']>('static', 'static', 'delegator') })
  // Both plugins must accept the options: '*' with credentials is refused by fastify-corsica
  // (a registration difference, checked below), and delegators return route options only.
  // So is origin: true (reflect every origin) with credentials, except from a delegator.
  .filter(({ options, mode }) => !(options.credentials === true && ((options.origin ?? '*') === '*' || (options.origin === true && mode === 'static'))))
  .map((config) => config.mode === 'static'
    ? config
    : { ...config, options: Object.fromEntries(Object.entries(config.options).filter(([key]) => !['preflight', 'hideOptionsRoute', 'logLevel'].includes(key))) })

/** The options object a plugin is registered with (origin functions made per registration). */
function materialize (options: Options): Options {
  const out: Options = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  if (options.origin === 'fn-async') out.origin = async (origin: string | undefined) => origin === A
  if (options.origin === 'fn-callback') out.origin = (origin: string | undefined, cb: (error: Error | null, value?: unknown) => void) => { cb(null, origin === A ? [A] : false) }
  return out
}

/** What each plugin is registered with, in the mode of the config. */
function registration (config: Config, options: Options): unknown {
  const opts = materialize(options)
  if (config.mode === 'static') return opts
  const { hook, ...rest } = opts
  return { delegator: async () => rest, ...(hook === undefined ? {} : { hook }) }
}

async function appWith (plugin: unknown, options: unknown): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(plugin as never, options as never)
  app.get('/items', async () => ({ items: [] }))
  app.put('/items', async () => ({ ok: true }))
  app.get('/partner', { config: { cors: PARTNER_CORS } }, async () => ({ partner: true }))
  app.put('/partner', { config: { cors: PARTNER_CORS } }, async () => ({ partner: true }))
  app.get('/off', { config: { cors: false } }, async () => ({ off: true }))
  app.delete('/off', { config: { cors: false } }, async () => ({ off: true }))
  app.options('/own', async () => ({ own: true }))
  return app
}

interface Request {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
}
const preflightOf = (origin: string, method: string, requestHeaders?: string): Record<string, string> =>
  ({ origin, 'access-control-request-method': method, ...(requestHeaders === undefined ? {} : { 'access-control-request-headers': requestHeaders }) })
const REQUESTS: Request[] = [
  { name: 'allowed GET', method: 'GET', path: '/items', headers: { origin: A } },
  { name: 'denied GET', method: 'GET', path: '/items', headers: { origin: EVIL } },
  { name: 'GET without Origin', method: 'GET', path: '/items', headers: {} },
  { name: 'GET from Origin null', method: 'GET', path: '/items', headers: { origin: 'null' } },
  { name: 'preflight PUT', method: 'OPTIONS', path: '/items', headers: preflightOf(A, 'PUT') },
  { name: 'preflight PUT with request headers', method: 'OPTIONS', path: '/items', headers: preflightOf(A, 'PUT', 'content-type,x-custom') },
  { name: 'preflight GET', method: 'OPTIONS', path: '/items', headers: preflightOf(A, 'GET') },
  { name: 'preflight from a denied origin', method: 'OPTIONS', path: '/items', headers: preflightOf(EVIL, 'PUT') },
  { name: 'preflight PATCH', method: 'OPTIONS', path: '/items', headers: preflightOf(A, 'PATCH') },
  { name: 'OPTIONS without Access-Control-Request-Method', method: 'OPTIONS', path: '/items', headers: { origin: A } },
  { name: 'preflight to an unknown path', method: 'OPTIONS', path: '/unknown', headers: preflightOf(A, 'GET') },
  { name: 'GET an unknown path', method: 'GET', path: '/unknown', headers: { origin: A } },
  { name: 'GET a route override', method: 'GET', path: '/partner', headers: { origin: B } },
  { name: 'preflight to a route override', method: 'OPTIONS', path: '/partner', headers: preflightOf(B, 'PUT') },
  { name: 'GET a cors: false route', method: 'GET', path: '/off', headers: { origin: A } },
  { name: 'preflight to a cors: false route', method: 'OPTIONS', path: '/off', headers: preflightOf(A, 'DELETE') },
  { name: 'OPTIONS without Access-Control-Request-Method to your own OPTIONS route', method: 'OPTIONS', path: '/own', headers: { origin: A } }
]

/** Status, the headers a browser's CORS check reads, Vary, Cache-Control and Content-Type, and the body. */
interface Seen { status: number, headers: Record<string, string>, body: string }
/** Headers in name order, as `seen` gives them. */
const sorted = (seen: Seen): Seen => ({ ...seen, headers: Object.fromEntries(Object.entries(seen.headers).sort(([a], [b]) => a < b ? -1 : 1)) })
function seen (res: HttpResponse): Seen {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(res.headers)) {
    if (name.startsWith('access-control-') || name === 'vary' || name === 'cache-control' || name === 'content-type') headers[name] = String(value)
  }
  return sorted({ status: res.status, headers, body: res.body })
}

interface Case {
  readonly config: Config
  readonly request: Request
  readonly ours: Seen
  /** What @fastify/cors answered. */
  readonly theirs: Seen
  /**
   * What @fastify/cors answers with hook: 'onRequest' and the options of the route the request
   * is for merged in (`origin: false` for a `cors: false` route).
   */
  readonly reference: Seen
}

const isPreflight = (request: Request): boolean => request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined
/** A preflight the plugins answer as one (with `preflight: false` it is an ordinary request). */
const answeredPreflight = (c: Case): boolean => isPreflight(c.request) && c.config.options.preflight !== false
const without = (seen: Seen, names: string[]): Seen => ({ ...seen, headers: Object.fromEntries(Object.entries(seen.headers).filter(([name]) => !names.includes(name))) })
const JSON_TYPE = 'application/json; charset=utf-8'
const OWN_BODY = JSON.stringify({ own: true })
/** Fastify's own 404 body. */
const notFound = (request: Request): string => JSON.stringify({ message: `Route ${request.method}:${request.path} not found`, error: 'Not Found', statusCode: 404 })
const PREFLIGHT_ONLY = ['access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age', 'cache-control']

/**
 * Every way fastify-corsica answers differently from @fastify/cors, each a rewrite of what
 * @fastify/cors answered into what fastify-corsica answers, applied only where it applies. `row`
 * is the README's migration-table row, word for word.
 */
interface Difference {
  readonly id: string
  readonly row: string
  readonly apply: (c: Case, theirs: Seen) => Seen | null
}

export const DIFFERENCES: Difference[] = [
  {
    id: 'preflight judged by the route',
    row: "| A preflight is judged by the plugin options and its own hook; a route's `config.cors` is not seen (the preflight lands on `OPTIONS *`), and with `hook: 'preSerialization'` preflights get 404 | judged in `onRequest`, whatever `hook` says, by the route serving the requested method | otherwise `cors: false` routes pass their preflight and the browser sends the DELETE; a preflight must be answered before any handler |",
    // The reference is @fastify/cors judging with the route's options, in onRequest.
    apply: (c, theirs) => answeredPreflight(c) && JSON.stringify(theirs) !== JSON.stringify(c.reference) ? c.reference : null
  },
  {
    id: 'refused preflight is a 403',
    row: '| A refused preflight (origin, method or header not allowed, `cors: false`, `origin: false`) is answered 204 (or 404) without the allowing headers | 403, no CORS headers, a one-line reason (`text/plain; charset=utf-8`), a debug explanation | the browser outcome is the same, and the reason is visible in devtools and logs |',
    apply: (c, theirs) => answeredPreflight(c) && c.ours.status === 403 && theirs.status !== 403
      ? {
          status: 403,
          headers: { 'content-type': 'text/plain; charset=utf-8', ...Object.fromEntries(Object.entries(c.ours.headers).filter(([name]) => name === 'vary')) },
          // The reason is one of the plugin's; which one, the preflight tests check.
          body: c.ours.body.startsWith('CORS preflight refused: ') ? c.ours.body : 'a reason'
        }
      : null
  },
  {
    id: 'no credentials or expose headers without an allowed origin',
    row: '| `Access-Control-Allow-Credentials` and `-Expose-Headers` sent to every response, also without `Access-Control-Allow-Origin` (denied origin, no `Origin`, `Origin: null`) and `-Expose-Headers` on preflights | sent only with an allowed origin, and `-Expose-Headers` only on actual requests | they mean nothing without it: a browser reads them only for an allowed origin, and only on the actual response |',
    apply: (_c, theirs) => {
      const refused = theirs.headers['access-control-allow-origin'] === undefined
      const names = refused ? ['access-control-allow-credentials', 'access-control-expose-headers'] : answeredPreflight(_c) ? ['access-control-expose-headers'] : []
      return names.some((name) => theirs.headers[name] !== undefined) ? without(theirs, names) : null
    }
  },
  {
    id: 'Origin: null is not reflected',
    row: "| `origin: true` (or a function resolving to `true`) reflects any `Origin`, including `null` | reflects well-formed origins except `null`; list `'null'` explicitly | sandboxed iframes and `file:` pages send `Origin: null`: anyone can; reflecting it with credentials is a known hole |",
    apply: (c, theirs) => c.request.headers.origin === 'null' && theirs.headers['access-control-allow-origin'] === 'null'
      ? without(theirs, ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers'])
      : null
  },
  {
    id: 'preflightContinue answers optionsSuccessStatus',
    row: '| With `preflightContinue` and no OPTIONS route of yours, `OPTIONS *` answers 200 | answers `optionsSuccessStatus` (204 by default) | the status the option names, whoever answers |',
    apply: (c, theirs) => answeredPreflight(c) && theirs.status === 200 && c.ours.status !== 200 && c.config.options.preflightContinue === true
      ? { ...theirs, status: c.ours.status }
      : null
  },
  {
    id: 'your OPTIONS route gets what is not a preflight',
    row: '| Under `strictPreflight`, an OPTIONS without `Access-Control-Request-Method` is a 400 even where you declared an OPTIONS route | your OPTIONS route answers it | only real preflights are the plugin\'s business (docs/behaviour.md §3.7) |',
    apply: (c, theirs) => c.request.path === '/own' && theirs.status === 400 && c.ours.status === 200 ? { status: 200, headers: { ...theirs.headers, 'content-type': JSON_TYPE }, body: OWN_BODY } : null
  },
  {
    id: 'only real preflights are preflights',
    row: '| `strictPreflight: false` answers an OPTIONS without `Access-Control-Request-Method` as a preflight | it is an ordinary request: your OPTIONS route, else 404, with the headers of an actual request | only OPTIONS with `Origin` and `Access-Control-Request-Method` is a preflight (Fetch standard) |',
    apply: (c, theirs) => {
      if (c.request.method !== 'OPTIONS' || isPreflight(c.request) || c.config.options.strictPreflight !== false || c.config.options.preflight === false) return null
      const headers = Object.entries(without(theirs, PREFLIGHT_ONLY).headers)
        .map(([name, value]) => [name, name === 'vary' ? value.replace(/(, )?Access-Control-Request-Headers/, '') : value])
        .filter(([name, value]) => !(name === 'vary' && value === ''))
      const own = c.request.path === '/own'
      return { status: own ? 200 : 404, headers: { ...Object.fromEntries(headers), 'content-type': JSON_TYPE }, body: own ? OWN_BODY : notFound(c.request) }
    }
  }
]

/** Configurations @fastify/cors accepts and fastify-corsica refuses at registration, with the row and an example. */
export const REFUSED: Array<{ id: string, row: string, options: Options }> = [
  { id: "'*' with credentials", row: "| `origin: '*'` with `credentials: true` accepted | refused at registration | browsers reject that pair |", options: { origin: '*', credentials: true } },
  { id: 'invalid values', row: "| Invalid values are used as given (`maxAge: 'x'` is sent as `Access-Control-Max-Age: x`), misspelt keys and strings that are not origins (`'example.com'`) are ignored or never match | refused at registration, all problems at once, with the option path and the fix | misconfiguration should stop the deploy, not surface in a browser |", options: { origin: 'example.com', maxAge: 'x', orgin: [A] } },
  { id: 'dangerous configurations', row: '| Dangerous configurations accepted: `https://*.github.io`-like wildcards or RegExps, or `http://` origins, with credentials; RegExps that are slow on some origin (exponential, or n³ and above); `Cookie` in `allowedHeaders` | refused at registration, each with a `dangerouslyTolerate...` opt-out (none for forbidden header names) | see [Security notes](#security-notes) |', options: { origin: [/^https:\/\/(a+)+\.example$/], allowedHeaders: ['Cookie'] } },
  { id: 'reflect every origin with credentials', row: '| `origin: true` with `credentials: true`, and RegExps matching any site (`/^https:\\/\\/.*$/`) with credentials, accepted | refused at registration (opt-out: `dangerouslyTolerateAnyOriginWithCredentials`); an origin function or delegator may still resolve to `true` per request | every website could read credentialed responses |', options: { origin: true, credentials: true } }
]

/** Rows for what the matrix cannot observe byte for byte (registration order, warnings, new options). */
export const OTHER_ROWS = [
  // Observed by test/migration.test.ts (earlyErrorReadable) and test/every-response.test.ts.
  '| A reply sent before the plugin\'s hook ran (an earlier authentication hook\'s 401, an error thrown by it, a 400 for a bad JSON body under `hook: \'preHandler\'`) has no CORS headers: the page sees a network error | the route\'s CORS headers for an allowed origin: the page reads the status | [§3.13](docs/behaviour.md); a denied origin still gets none |',
  '| `app.register(cors)` without `await`, routes declared right after: works, routes\' `config.cors` read per request | `ready()` fails with `FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN`, naming the routes; `await` the registration | the plugin judges a preflight by the route it asks about, and never saw those routes\' options; a startup error beats preflights refused in production |',
  '| Unanchored RegExps and delegators returning `\'*\'` pass silently | a warning for an unanchored RegExp (citing an origin it matches); `Vary: Origin` on every response decided by a delegator or origin function | `/example\\.com/` matches `https://example.com.evil.test`; shared caches must key on Origin |',
  '| Requested headers reflected as sent | reflected when they form a token list, empty elements dropped (`x-a,,x-b` → `x-a,x-b`) | never echo junk; RFC 9110 §5.6.1 |',
  '| Lower-case method names sent as written (`methods: \'get,put\'`) | upper-cased in place (`GET,PUT`) | browsers compare them case-sensitively, so `put` never allows a PUT |',
  '| `hook: \'onSend\'` refused | accepted: actual requests get their headers in `onSend` | the last hook before the headers are sent |',
  '| A route with `origin: \'*\'` under plugin `credentials: true` sends `Access-Control-Allow-Origin: *` with `-Allow-Credentials: true` | the route is public: `*` without `-Allow-Credentials`, and a warning (`FST_CORS_PUBLIC_ROUTE_WITHOUT_CREDENTIALS`) unless it sets `credentials: false` itself | browsers never send credentials to `*`, so a page sees the same; the warning says what the route really allows |',
  '| A delegator or origin function may return the same object with new contents on each call | the plain objects and arrays they return are frozen and compiled once: changing one later throws; return a new object | a long list then costs a lookup per request, and options never go stale |'
]

test('fastify-corsica answers as @fastify/cors does, except for the listed differences, each observed (seeded)', async (t) => {
  const observed = new Map<string, number>()
  const unexplained: string[] = []
  let compared = 0
  await fc.assert(fc.asyncProperty(configArb, async (config) => {
    const withoutHook = { ...config.options, hook: undefined }
    const merged = { ...config.options, ...PARTNER_CORS }
    const apps = {
      ours: await appWith(corsPlugin, registration(config, config.options)),
      theirs: await appWith(fastifyCors, registration(config, config.options)),
      reference: await appWith(fastifyCors, registration(config, withoutHook)),
      referenceForRoute: await appWith(fastifyCors, registration(config, { ...merged, hook: undefined })),
      referenceForOff: await appWith(fastifyCors, registration(config, { ...withoutHook, origin: false }))
    }
    const sends = {
      ours: await serve(t, apps.ours),
      theirs: await serve(t, apps.theirs),
      reference: await serve(t, apps.reference),
      referenceForRoute: await serve(t, apps.referenceForRoute),
      referenceForOff: await serve(t, apps.referenceForOff)
    }
    try {
      for (const request of REQUESTS) {
        const get = async (send: typeof sends.ours): Promise<Seen> => seen(await send(request.method, request.path, request.headers))
        const c: Case = {
          config,
          request,
          ours: await get(sends.ours),
          theirs: await get(sends.theirs),
          reference: await get(request.path === '/partner' ? sends.referenceForRoute : request.path === '/off' ? sends.referenceForOff : sends.reference)
        }
        compared++
        let expected = c.theirs
        for (const difference of DIFFERENCES) {
          const rewritten = difference.apply(c, expected)
          if (rewritten === null || JSON.stringify(sorted(rewritten)) === JSON.stringify(expected)) continue
          expected = sorted(rewritten)
          observed.set(difference.id, (observed.get(difference.id) ?? 0) + 1)
        }
        if (JSON.stringify(expected) !== JSON.stringify(c.ours)) {
          unexplained.push(`${request.name} with ${JSON.stringify(config)}:\n  @fastify/cors ${JSON.stringify(c.theirs)}\n  expected      ${JSON.stringify(expected)}\n  corsica       ${JSON.stringify(c.ours)}`)
        }
      }
    } finally {
      await Promise.all(Object.values(apps).map((app) => app.close()))
    }
  }), { seed: 20261130, numRuns: 80 })
  t.same(unexplained.slice(0, 5), [], `${unexplained.length} unexplained differences of ${compared} compared responses`)
  for (const difference of DIFFERENCES) t.ok((observed.get(difference.id) ?? 0) > 0, `observed: ${difference.id} (${observed.get(difference.id) ?? 0} times)`)
  t.ok(compared >= 1000, `${compared} responses compared`)
})

test('configurations @fastify/cors accepts and fastify-corsica refuses, each as listed', async (t) => {
  for (const refused of REFUSED) {
    const theirs = Fastify()
    theirs.register(fastifyCors, refused.options as never)
    await t.resolves(async () => { await theirs.ready() }, `@fastify/cors accepts: ${refused.id}`)
    await theirs.close()
    const ours = Fastify()
    ours.register(corsPlugin, refused.options as never)
    await t.rejects(async () => { await ours.ready() }, { code: 'FST_CORS_INVALID_OPTIONS' }, `fastify-corsica refuses: ${refused.id}`)
  }
})

test("hook: 'onSend', refused by @fastify/cors, is accepted", async (t) => {
  const theirs = Fastify()
  theirs.register(fastifyCors, { hook: 'onSend' } as never)
  await t.rejects(async () => { await theirs.ready() }, TypeError)
  const ours = Fastify()
  await ours.register(corsPlugin, { hook: 'onSend' })
  ours.get('/x', async () => 'x')
  t.equal((await ours.inject({ url: '/x', headers: { origin: A } })).headers['access-control-allow-origin'], '*')
})

test("the README's migration table is exactly the listed differences", (t) => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')
  const start = readme.indexOf('## Migrating from @fastify/cors')
  const table = readme.slice(start, readme.indexOf('\n## ', start + 1)).split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| @fastify/cors') && !line.startsWith('|---'))
  const rows = [...DIFFERENCES.map((d) => d.row), ...REFUSED.map((r) => r.row), ...OTHER_ROWS]
  t.same(table.slice().sort(), rows.slice().sort())
  t.end()
})
