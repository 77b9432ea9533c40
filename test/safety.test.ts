// Issue 17: the bugs hostile and unusual input found, each over real HTTP, and the refusals
// and warnings of a careful CORS library (docs/behaviour.md §2.4, §2.5, §3.4, §3.5, §6.3).
import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import { type FastifyInstance } from 'fastify'
import corsPlugin from '../src/index.js'
import { corsOf, serve } from './helpers/http.js'
import { emitted, registrationError } from './helpers/app.js'
import { unanchoredExample } from '../src/config/origin.js'

const TRUSTED = 'https://trusted.example'
const OTHER = 'https://other.example'

async function appWith (options: unknown, routes?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(corsPlugin, options as never)
  app.get('/x', async () => 'x')
  app.put('/x', async () => 'x')
  routes?.(app)
  return app
}

test('bug 1: a delegator that returns a new object per request is served what it returns now, never an earlier answer', async (t) => {
  const app = await appWith((_instance: FastifyInstance) => (request: { headers: Record<string, string | undefined> }, cb: (error: Error | null, options?: unknown) => void) => {
    cb(null, { origin: request.headers['x-trusted'] === '1', credentials: true })
  })
  const send = await serve(t, app)
  const trusted = await send('GET', '/x', { origin: TRUSTED, 'x-trusted': '1' })
  t.same(corsOf(trusted), { vary: 'Origin', 'access-control-allow-origin': TRUSTED, 'access-control-allow-credentials': 'true' })
  for (let i = 0; i < 3; i++) {
    const untrusted = await send('GET', '/x', { origin: OTHER })
    t.same(corsOf(untrusted), { vary: 'Origin' }, 'an untrusted request after a trusted one gets no CORS headers')
    const pre = await send('OPTIONS', '/x', { origin: OTHER, 'access-control-request-method': 'GET' })
    t.equal(pre.status, 403)
    t.same(corsOf(pre), { vary: 'Origin' })
  }
  const again = await send('GET', '/x', { origin: TRUSTED, 'x-trusted': '1' })
  t.equal(again.headers['access-control-allow-origin'], TRUSTED)
})

test('bug 1: a delegator mutating one shared options object fails loudly where it mutates it (the object was frozen), never serving an old answer', async (t) => {
  const shared: { origin: boolean, credentials: boolean } = { origin: false, credentials: true }
  const app = await appWith((_instance: FastifyInstance) => (request: { headers: Record<string, string | undefined> }, cb: (error: Error | null, options?: unknown) => void) => {
    shared.origin = request.headers['x-trusted'] === '1'
    cb(null, shared)
  })
  const send = await serve(t, app)
  t.same(corsOf(await send('GET', '/x', { origin: OTHER })), { vary: 'Origin' })
  const trusted = await send('GET', '/x', { origin: TRUSTED, 'x-trusted': '1' })
  t.equal(trusted.status, 500, 'the assignment to the frozen object throws in the delegator')
  t.match(JSON.parse(trusted.body).message, /read only property 'origin'/)
  t.equal(trusted.headers['access-control-allow-origin'], undefined)
})

test('bug 1: an origin function pushing into the list it returned fails loudly (the list was frozen); a new list is judged as it is', async (t) => {
  let list: string[] = [TRUSTED]
  const app = await appWith({ origin: async () => list })
  const send = await serve(t, app)
  t.same(corsOf(await send('GET', '/x', { origin: OTHER })), { vary: 'Origin' })
  t.throws(() => list.push(OTHER), TypeError)
  list = [TRUSTED, OTHER]
  t.equal((await send('GET', '/x', { origin: OTHER })).headers['access-control-allow-origin'], OTHER)
  list = [TRUSTED]
  t.same(corsOf(await send('GET', '/x', { origin: OTHER })), { vary: 'Origin' })
})

test("bug 2: a delegator choosing origin false, '*' or one fixed origin still sends Vary: Origin", async (t) => {
  const app = await appWith({
    delegator: (request: { headers: Record<string, string | undefined> }, cb: (error: Error | null, options?: unknown) => void) => {
      const mode = request.headers['x-mode']
      cb(null, mode === 'off' ? { origin: false } : mode === 'any' ? { origin: '*' } : { origin: TRUSTED })
    }
  })
  const send = await serve(t, app)
  t.same(corsOf(await send('GET', '/x', { origin: OTHER, 'x-mode': 'off' })), { vary: 'Origin' })
  t.same(corsOf(await send('GET', '/x', { origin: OTHER, 'x-mode': 'any' })), { vary: 'Origin', 'access-control-allow-origin': '*' })
  t.same(corsOf(await send('GET', '/x', { origin: OTHER, 'x-mode': 'fixed' })), { vary: 'Origin', 'access-control-allow-origin': TRUSTED })
  t.same(corsOf(await send('GET', '/x', { 'x-mode': 'any' })), { vary: 'Origin', 'access-control-allow-origin': '*' }, 'without Origin too')
  const pre = await send('OPTIONS', '/x', { origin: OTHER, 'access-control-request-method': 'GET', 'x-mode': 'any' })
  t.equal(pre.status, 204)
  t.equal(pre.headers.vary, 'Origin, Access-Control-Request-Headers')
  const refused = await send('OPTIONS', '/x', { origin: OTHER, 'access-control-request-method': 'GET', 'x-mode': 'fixed' })
  t.equal(refused.status, 403)
  t.equal(refused.headers.vary, 'Origin')
})

test('bug 3: a sync delegator or origin function returning nothing without a callback answers at once, never hangs', async (t) => {
  const delegated = await appWith(() => () => {})
  const send = await serve(t, delegated)
  const res = await send('GET', '/x', { origin: TRUSTED })
  t.equal(res.status, 500)
  t.match(JSON.parse(res.body), { code: 'FST_CORS_INVALID_DELEGATOR_RESULT' })
  const pre = await send('OPTIONS', '/x', { origin: TRUSTED, 'access-control-request-method': 'PUT' })
  t.equal(pre.status, 500)

  const fn = await appWith({ origin: (_origin: string | undefined) => undefined })
  const sendFn = await serve(t, fn)
  const viaFn = await sendFn('GET', '/x', { origin: TRUSTED })
  t.equal(viaFn.status, 500)
  t.match(JSON.parse(viaFn.body), { code: 'FST_CORS_INVALID_ORIGIN_RESULT', message: /resolved to undefined/ })
})

test('bug 4: empty elements of Access-Control-Request-Headers are ignored, the preflight succeeds with the names', async (t) => {
  const send = await serve(t, await appWith({ origin: [TRUSTED], methods: 'GET,PUT' }))
  for (const [requested, allowed] of [['x-a,,x-b', 'x-a,x-b'], ['x-a,', 'x-a'], [',content-type', 'content-type']]) {
    const res = await send('OPTIONS', '/x', { origin: TRUSTED, 'access-control-request-method': 'PUT', 'access-control-request-headers': requested })
    t.equal(res.status, 204, requested)
    t.same(corsOf(res), {
      vary: 'Origin, Access-Control-Request-Headers',
      'access-control-allow-origin': TRUSTED,
      'access-control-allow-methods': 'GET,PUT',
      'access-control-allow-headers': allowed
    }, requested)
  }
  const empty = await send('OPTIONS', '/x', { origin: TRUSTED, 'access-control-request-method': 'PUT', 'access-control-request-headers': '' })
  t.equal(empty.status, 204)
  t.equal(empty.headers['access-control-allow-origin'], TRUSTED)
  t.equal(empty.headers['access-control-allow-headers'], undefined, 'no element, nothing to approve')
})

test('bug 5: a port wildcard matches only ports a browser sends: 1-65535, no leading zero, never the default', async (t) => {
  const send = await serve(t, await appWith({ origin: ['http://localhost:*', 'https://*.example.com:*'] }))
  for (const origin of ['http://localhost:5173', 'http://localhost:1', 'http://localhost:65535', 'http://localhost:443', 'https://a.example.com:8443', 'https://a.example.com:80']) {
    t.equal((await send('GET', '/x', { origin })).headers['access-control-allow-origin'], origin, origin)
  }
  for (const origin of ['http://localhost:0', 'http://localhost:99999', 'http://localhost:65536', 'http://localhost:080', 'http://localhost:80', 'https://a.example.com:443', 'https://a.example.com:0443']) {
    t.same(corsOf(await send('GET', '/x', { origin })), { vary: 'Origin' }, origin)
  }
  const reflect = await serve(t, await appWith({ origin: true }))
  for (const origin of ['http://localhost:0', 'http://localhost:99999', 'http://localhost:080', 'https://a.example:443']) {
    t.same(corsOf(await reflect('GET', '/x', { origin })), { vary: 'Origin' }, `origin: true never reflects ${origin}`)
  }
  t.equal((await reflect('GET', '/x', { origin: 'http://localhost:8080' })).headers['access-control-allow-origin'], 'http://localhost:8080')
})

test('bug 6: warnings are emitted through process.emitWarning with a code, and name an origin the RegExp really matches', async (t) => {
  const regexps = [/\.example\.com$/, /^https:\/\/example\.com/, /https:\/\/app\.example\.com/, /^https?:\/\/[a-z]+\.example\.com/]
  const warnings = await emitted(t, async () => {
    const app = Fastify()
    await app.register(corsPlugin, { origin: regexps, maxAge: 86400 })
    await app.ready()
    await app.close()
  })
  const unanchored = warnings.filter((warning) => warning.code === 'FST_CORS_UNANCHORED_REGEXP')
  t.equal(unanchored.length, regexps.length)
  for (const [index, warning] of unanchored.entries()) {
    const example = /it matches '([^']+)'/.exec(warning.message)?.[1]
    t.ok(example !== undefined, warning.message)
    t.ok(regexps[index].test(example as string), `${String(regexps[index])} matches ${String(example)}`)
  }
  t.ok(warnings.some((warning) => warning.code === 'FST_CORS_MAX_AGE_ABOVE_CAP'))
  t.equal(corsPlugin.warningCodes.FST_CORS_UNANCHORED_REGEXP, 'FST_CORS_UNANCHORED_REGEXP')
})

test('refused: a wildcard over a public suffix with credentials (ICANN and private sections), with its opt-out', async (t) => {
  for (const pattern of ['https://*.github.io', 'https://*.co.uk', 'https://*.pages.dev', 'https://*.s3.amazonaws.com']) {
    const error = await registrationError({ origin: [TRUSTED, pattern], credentials: true, allowedHeaders: 'content-type' })
    t.equal(error.code, 'FST_CORS_INVALID_OPTIONS', pattern)
    t.same(error.issues?.map((issue) => issue.path), ['origin[1]'], pattern)
    t.match(error.issues?.[0].message, /public suffix \((ICANN|private) section of the Public Suffix List\).*dangerouslyTolerateSubdomainsOfPublicSuffixes: true/, pattern)
  }
  const send = await serve(t, await appWith({ origin: ['https://*.github.io'], credentials: true, allowedHeaders: 'content-type', dangerouslyTolerateSubdomainsOfPublicSuffixes: true }))
  t.equal((await send('GET', '/x', { origin: 'https://anyone.github.io' })).headers['access-control-allow-origin'], 'https://anyone.github.io')
})

test('accepted: wildcards under a registrable domain, and *.localhost, with credentials', async (t) => {
  const send = await serve(t, await appWith({ origin: ['https://*.example.co.uk', 'https://*.mysite.github.io', 'http://*.localhost:*'], credentials: true, allowedHeaders: 'content-type' }))
  for (const origin of ['https://app.example.co.uk', 'https://a.mysite.github.io', 'http://app.localhost:5173']) {
    t.same(corsOf(await send('GET', '/x', { origin })), { vary: 'Origin', 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' }, origin)
  }
})

test('warned, not refused: a wildcard over a public suffix without credentials', async (t) => {
  const warnings = await emitted(t, async () => {
    const app = await appWith({ origin: ['https://*.github.io'] })
    await app.ready()
    await app.close()
  })
  t.same(warnings.map((warning) => warning.code), ['FST_CORS_PUBLIC_SUFFIX_WILDCARD'])
  t.match(warnings[0].message, /origin\[0\]: "https:\/\/\*\.github\.io" allows every site under 'github\.io'/)
  const quiet = await emitted(t, async () => {
    const app = await appWith({ origin: ['https://*.github.io'], dangerouslyTolerateSubdomainsOfPublicSuffixes: true })
    await app.ready()
    await app.close()
  })
  t.same(quiet, [])
})

test('refused: insecure http origins with credentials, except loopback; with its opt-out', async (t) => {
  const error = await registrationError({ origin: ['http://app.example.com', 'http://*.example.org', 'http://intranet:*', 'https://ok.example'], credentials: true, allowedHeaders: 'content-type' })
  t.same(error.issues?.map((issue) => issue.path), ['origin[0]', 'origin[1]', 'origin[2]'])
  t.match(error.issues?.[0].message, /insecure \(http\) origin and credentials is true.*dangerouslyTolerateInsecureOrigins: true/)
  const single = await registrationError({ origin: 'http://app.example.com', credentials: true, allowedHeaders: 'content-type' })
  t.same(single.issues?.map((issue) => issue.path), ['origin'])
  const loopback = await serve(t, await appWith({ origin: ['http://localhost:5173', 'http://127.0.0.1:8080', 'http://[::1]:3000', 'http://app.localhost'], credentials: true, allowedHeaders: 'content-type' }))
  t.equal((await loopback('GET', '/x', { origin: 'http://localhost:5173' })).headers['access-control-allow-credentials'], 'true')
  t.equal((await loopback('GET', '/x', { origin: 'http://[::1]:3000' })).headers['access-control-allow-origin'], 'http://[::1]:3000')
  const tolerated = await serve(t, await appWith({ origin: ['http://app.example.com'], credentials: true, allowedHeaders: 'content-type', dangerouslyTolerateInsecureOrigins: true }))
  t.equal((await tolerated('GET', '/x', { origin: 'http://app.example.com' })).headers['access-control-allow-origin'], 'http://app.example.com')
  // Without credentials an http origin is fine: nothing credentialed can be read.
  const plain = await serve(t, await appWith({ origin: ['http://app.example.com'] }))
  t.equal((await plain('GET', '/x', { origin: 'http://app.example.com' })).headers['access-control-allow-origin'], 'http://app.example.com')
})

test('refused: forbidden request-header names in allowedHeaders', async (t) => {
  const error = await registrationError({ origin: [TRUSTED], allowedHeaders: ['Content-Type', 'Cookie', 'Host', 'content-length', 'Connection', 'Sec-Fetch-Mode', 'Proxy-Authorization', 'Access-Control-Allow-Origin', 'X-Ok'] })
  t.same(error.issues?.map((issue) => issue.message.split(' ')[0]), ['"Cookie"', '"Host"', '"content-length"', '"Connection"', '"Sec-Fetch-Mode"', '"Proxy-Authorization"', '"Access-Control-Allow-Origin"'])
  t.match(error.issues?.[0].message, /forbidden request-header name in the Fetch standard/)
  const send = await serve(t, await appWith({ origin: [TRUSTED], methods: 'GET,PUT', allowedHeaders: 'Content-Type, Authorization, X-Request-Id' }))
  const res = await send('OPTIONS', '/x', { origin: TRUSTED, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' })
  t.equal(res.headers['access-control-allow-headers'], 'Content-Type, Authorization, X-Request-Id')
})

test('refused: a RegExp with catastrophic backtracking, with its opt-out; a safe one is accepted', async (t) => {
  const error = await registrationError({ origin: [/^https:\/\/(a+)+\.example\.com$/] })
  t.same(error.issues?.map((issue) => issue.path), ['origin[0]'])
  t.match(error.issues?.[0].message, /exponential time.*'\(a\+\)\+'.*'https:\/\/a+~'.*dangerouslyTolerateUnsafeRegExps: true/)
  const route = Fastify()
  await route.register(corsPlugin, { origin: [TRUSTED] })
  route.get('/r', { config: { cors: { origin: [/^https:\/\/(a*)*\.example\.com$/] } } }, async () => 'r')
  await t.rejects(async () => { await route.ready() }, { code: 'FST_CORS_INVALID_ROUTE_OPTIONS' }, 'in a route config too')
  const safe = await serve(t, await appWith({ origin: [/^https:\/\/[a-z0-9-]+\.example\.com$/] }))
  t.equal((await safe('GET', '/x', { origin: 'https://app.example.com' })).headers['access-control-allow-origin'], 'https://app.example.com')
  const tolerated = await serve(t, await appWith({ origin: [/^https:\/\/(a+)+\.example\.com$/], dangerouslyTolerateUnsafeRegExps: true }))
  t.equal((await tolerated('GET', '/x', { origin: 'https://aa.example.com' })).headers['access-control-allow-origin'], 'https://aa.example.com')
})

test('warned: credentials with every requested header approved (no allowedHeaders)', async (t) => {
  const warnings = await emitted(t, async () => {
    const app = await appWith({ origin: [TRUSTED], credentials: true }, (app) => {
      app.get('/y', { config: { cors: { methods: 'GET' } } }, async () => 'y')
    })
    await app.ready()
    await app.close()
  })
  t.same(warnings.map((warning) => warning.code), ['FST_CORS_REFLECTED_HEADERS_WITH_CREDENTIALS'], 'once, not again for the route that inherits it')
  t.match(warnings[0].message, /list the request headers your routes read in allowedHeaders/)
  const none = await emitted(t, async () => {
    const app = await appWith({ origin: [TRUSTED], credentials: true, allowedHeaders: 'content-type' })
    await app.ready()
    await app.close()
  })
  t.same(none, [])
})

test('the example an unanchored-RegExp warning cites is one the RegExp matches, or none', async (t) => {
  for (const regexp of [/^https:\/\/[^.]+\.example\.com/, /\.example\.com$/i, /^https:\/\/[\w-]+\.example\.com/g, /^http:\/\/localhost:\d+/, /^https:\/\/app\.example\.com:\d{2,4}/]) {
    const example = unanchoredExample(regexp)
    t.ok(example !== null && new RegExp(regexp.source, regexp.flags.replace('g', '')).test(example), `${String(regexp)}: ${String(example)}`)
  }
  t.equal(unanchoredExample(/^(?:corp|internal)-only$/), null, 'none found: the warning cites no example rather than a wrong one')
})

test('an origin function returning the same list with a RegExp reuses what it compiled, and a warning without a sure example cites none', async (t) => {
  const list = [/^https:\/\/[a-z]+\.example\.com$/]
  const send = await serve(t, await appWith({ origin: async () => list }))
  for (let i = 0; i < 2; i++) t.equal((await send('GET', '/x', { origin: 'https://app.example.com' })).headers['access-control-allow-origin'], 'https://app.example.com')
  const warnings = await emitted(t, async () => {
    const app = await appWith({ origin: [/(?:corp|internal)-only$/] })
    await app.ready()
    await app.close()
  })
  t.same(warnings.map((warning) => warning.message), ['fastify-corsica: origin[0]: the RegExp /(?:corp|internal)-only$/ is not anchored with ^...$, so it also matches origins that merely contain the text; anchor it'])
})

test('two host-constrained routes with the same method, URL and options warn once', async (t) => {
  const warnings = await emitted(t, async () => {
    const app = await appWith({ origin: [TRUSTED] }, (app) => {
      app.get('/h', { constraints: { host: 'a.example' }, config: { cors: { maxAge: 9000 } } }, async () => 'a')
      app.get('/h', { constraints: { host: 'b.example' }, config: { cors: { maxAge: 9000 } } }, async () => 'b')
    })
    await app.ready()
    await app.close()
  })
  t.same(warnings.map((warning) => warning.code), ['FST_CORS_MAX_AGE_ABOVE_CAP'])
  t.match(warnings[0].message, /^fastify-corsica: route GET \/h: maxAge: 9000 seconds/)
})
