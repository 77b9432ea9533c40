// Issue 24: refusals measured, not guessed (docs/behaviour.md §2.4). Each check in both
// directions, with cases taken from real code: test/fixtures/origin-regexps.json holds RegExps
// from public apps with where each came from, and dangerous controls; npm run bench:regexp
// measures what each really costs on well-formed origins.
import { readFileSync } from 'node:fs'
import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import { type FastifyInstance } from 'fastify'
import corsPlugin from '../src/index.js'
import { regexpCost } from '../src/config/regexp-cost.js'
import { corsOf, serve } from './helpers/http.js'
import { emitted, registrationError } from './helpers/app.js'

interface Entry { source: string, flags: string, kind: 'harmless' | 'dangerous', from: string }
const corpus = JSON.parse(readFileSync(new URL('./fixtures/origin-regexps.json', `file://${__filename}`), 'utf8')) as Entry[]
const regexpOf = (entry: Entry): RegExp => new RegExp(entry.source, entry.flags)

async function appWith (options: unknown, routes?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(corsPlugin, options as never)
  app.get('/x', async () => 'x')
  routes?.(app)
  return app
}

test('the corpus: at least 30 real-world RegExps and 6 dangerous controls, each with where it came from', (t) => {
  t.ok(corpus.filter((entry) => entry.kind === 'harmless').length >= 30)
  t.ok(corpus.filter((entry) => entry.kind === 'dangerous' && entry.from.startsWith('control')).length >= 6)
  for (const entry of corpus) t.ok(entry.from.length > 10, entry.source)
  t.end()
})

test('every harmless RegExp of the corpus is accepted at registration', async (t) => {
  for (const entry of corpus.filter((entry) => entry.kind === 'harmless')) {
    const app = Fastify()
    await app.register(corsPlugin, { origin: [regexpOf(entry)] })
    await app.ready()
    await app.close()
    t.pass(`${entry.source} (${entry.from})`)
  }
})

test('every dangerous RegExp of the corpus is refused, naming what repeats, an Origin that makes it slow and the fix', async (t) => {
  for (const entry of corpus.filter((entry) => entry.kind === 'dangerous')) {
    const regexp = regexpOf(entry)
    const error = await registrationError({ origin: ['https://app.example.com', regexp] })
    t.equal(error.code, 'FST_CORS_INVALID_OPTIONS', entry.source)
    t.same(error.issues?.map((issue) => issue.path), ['origin[1]'], entry.source)
    const message = error.issues?.[0].message ?? ''
    t.match(message, /(exponential time|power of the Origin's length)/, entry.source)
    const example = /an Origin such as '([^']+)'/.exec(message)?.[1]
    t.ok(example !== undefined && /^https:\/\/[a-z0-9._~-]+$/.test(example), `${entry.source}: a well-formed origin is cited (${String(example)})`)
    t.ok(regexpCost(regexp).culprits.every((part) => message.includes(part === 'no ^ anchor' ? 'missing ^' : `'${part}'`)), `${entry.source}: the repetitions are named`)
    t.match(message, /dangerouslyTolerateUnsafeRegExps: true$/, entry.source)
    // The opt-out is honoured.
    const app = Fastify()
    await app.register(corsPlugin, { origin: [regexp], dangerouslyTolerateUnsafeRegExps: true })
    await app.ready()
    await app.close()
  }
})

test('the messages name the kind of slowness: exponential, or the power of the length', async (t) => {
  const exponential = await registrationError({ origin: [/^https:\/\/([a-z]|[a-z0-9])+\.example\.com$/] })
  t.equal(exponential.issues?.[0].message, "the RegExp /^https:\\/\\/([a-z]|[a-z0-9])+\\.example\\.com$/ can take exponential time, seconds for one Origin: '([a-z]|[a-z0-9])+' can match the same characters in more than one way, and an Origin such as 'https://aaaaaaaaaaaaaaaaaaaaaaaaaa~' makes it try them all; rewrite it so that each character can be matched one way only (e.g. ([a-z0-9-]+\\.)* with a literal separator instead of nested or overlapping repetitions), list the origins or use a wildcard pattern such as 'https://*.example.com', or set dangerouslyTolerateUnsafeRegExps: true")
  const polynomial = await registrationError({ origin: [/^https:\/\/.*-.*-.*-.*\.vercel\.app$/] })
  t.match(polynomial.issues?.[0].message, /takes time growing like the 4th power of the Origin's length \(milliseconds for one 512-character Origin\): '\.\*', '\.\*', '\.\*', '\.\*' can all match the same characters, and an Origin such as 'https:\/\/a-a-a-/)
  const unanchored = await registrationError({ origin: [/(.*a){3}/] })
  t.match(unanchored.issues?.[0].message, /the missing \^ \(it is tried at every position\)/)
})

test('what is slow only on characters an origin never holds is accepted (the analysis reads the origin grammar)', (t) => {
  // Exponential on '/', spaces or upper case: none of them reaches a RegExp after the host starts.
  t.equal(regexpCost(/^https:\/\/app\.example\.com(\/[a-z/]*)*$/).degree, 1)
  t.equal(regexpCost(/^https:\/\/[a-z.]+( +)+$/).degree, 1)
  t.equal(regexpCost(/^https:\/\/[a-z.]+([A-Z]+)+$/).degree, 1)
  t.equal(regexpCost(/^https:\/\/[a-z.]+([a-z]+)+$/i).degree, Infinity, 'with the i flag, upper case reads lower case')
  // A port has five digits at most.
  t.equal(regexpCost(/^https:\/\/a\.example:(\d*)*$/).degree, 1)
  t.end()
})

test('constructs the analysis approximates from above: lookarounds, backreferences, bounded repetitions', (t) => {
  t.equal(regexpCost(/^https:\/\/(?=.*-)[a-z-]+\.example\.com$/).degree, 2, 'a lookahead with a repetition adds its own cost')
  t.equal(regexpCost(/^https:\/\/(?=www)[a-z.]+$/).degree, 1, 'a plain lookahead adds nothing')
  t.equal(regexpCost(/^https:\/\/\b[a-z]+\b\.example\.com$/).degree, 1, 'word boundaries are read as always true: more ways, never fewer')
  t.equal(regexpCost(/^https:\/\/([a-z]+)\.\1\.example\.com$/).degree, 1, 'a backreference is read as any text')
  t.equal(regexpCost(/^https:\/\/([a-z]+)-\1-\1$/).degree, 2, 'two of them overlap: quadratic at most, accepted')
  t.equal(regexpCost(/^https:\/\/([a-z]+)\1$/).degree, 2)
  t.equal(regexpCost(/^https:\/\/[a-z0-9-]{1,63}\.example\.com$/).degree, 1, 'a bounded repetition is copied')
  t.equal(regexpCost(/^https:\/\/((a|b){1,64}){1,64}$/).degree, Infinity, 'a long one is read as unbounded: more ways, never fewer')
  t.equal(regexpCost(/^https:\/\/(a|a?)+$/).degree, Infinity, 'an iteration that matches nothing never counts (ECMAScript), but a|a? still has two ways')
  t.equal(regexpCost(/^https:\/\/(a?)+b$/).degree, 1, 'empty iterations are refused by the engine, so (a?)+ has one way per input')
  const chained = regexpCost(/^https:\/\/(ab)*(a|ab)*(aab)*$/)
  t.same([chained.degree, chained.culprits], [3, ['(ab)*', '(a|ab)*', '(aab)*']], 'a chain of three repetitions, each reading what the next one reads')
  t.equal(chained.example, 'https://ababababababaabaabaabaabaaba~', 'its example goes from one repetition to the next, and the RegExp fails on it')
  t.end()
})

test('a RegExp that cannot be analysed is refused with the reason and the opt-out', async (t) => {
  // An Annex B form regjsparser does not read (TypeScript refuses it as a literal).
  const unreadable = await registrationError({ origin: [new RegExp('\\c')] }) // eslint-disable-line prefer-regex-literals
  t.match(unreadable.issues?.[0].message, /cannot be checked for what it costs: its syntax could not be read .*dangerouslyTolerateUnsafeRegExps: true$/)
  const large = await registrationError({ origin: [/^https:\/\/([a-z]{0,16}){16}$/] })
  t.match(large.issues?.[0].message, /cannot be checked for what it costs: it is too large to analyse/)
  t.equal(regexpCost(/^https:\/\/(([a-z0-9]{1,16}-){1,16}\.){1,16}x$/).unanalysable, 'it is too large to analyse')
})

test("@fastify/cors README's app starts unchanged and answers as a browser expects", async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, {
    origin: ['https://example.com', /^https:\/\/([a-z0-9-]+\.)*example\.org$/],
    credentials: true,
    exposedHeaders: 'Content-Range,X-Content-Range',
    maxAge: 600
  })
  app.get('/', async () => ({ hello: 'world' }))
  const send = await serve(t, app)
  const pre = await send('OPTIONS', '/', { origin: 'https://api.example.org', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-token' })
  t.equal(pre.status, 204)
  t.same(corsOf(pre), {
    vary: 'Origin, Access-Control-Request-Headers',
    'access-control-allow-origin': 'https://api.example.org',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET,HEAD,POST',
    'access-control-allow-headers': 'x-token',
    'access-control-max-age': '600'
  })
  t.same(corsOf(await send('GET', '/', { origin: 'https://example.org' })), {
    vary: 'Origin',
    'access-control-allow-origin': 'https://example.org',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'Content-Range,X-Content-Range'
  })
  t.same(corsOf(await send('GET', '/', { origin: 'https://example.org.evil.test' })), { vary: 'Origin' })
})

test('refused: origin true with credentials, with the safe forms named and an opt-out', async (t) => {
  const error = await registrationError({ origin: true, credentials: true, allowedHeaders: 'content-type' })
  t.same(error.issues?.map((issue) => issue.path), ['origin'])
  t.equal(error.issues?.[0].message, "true reflects every origin, and credentials is true: every website could read credentialed responses; list the origins (['https://app.example.com']), use wildcard patterns ('https://*.example.com'), or an origin function that decides per request; or set dangerouslyTolerateAnyOriginWithCredentials: true")
  const tolerated = await serve(t, await appWith({ origin: true, credentials: true, allowedHeaders: 'content-type', dangerouslyTolerateAnyOriginWithCredentials: true }))
  t.same(corsOf(await tolerated('GET', '/x', { origin: 'https://anyone.example' })), { vary: 'Origin', 'access-control-allow-origin': 'https://anyone.example', 'access-control-allow-credentials': 'true' })
  // Without credentials, reflecting is as public as '*'.
  const plain = await serve(t, await appWith({ origin: true }))
  t.same(corsOf(await plain('GET', '/x', { origin: 'https://anyone.example' })), { vary: 'Origin', 'access-control-allow-origin': 'https://anyone.example' })
})

test('accepted: per-request decisions returning true with credentials (an origin function, a delegator)', async (t) => {
  const fn = await serve(t, await appWith({ origin: async (origin: string | undefined) => origin === 'https://trusted.example', credentials: true, allowedHeaders: 'content-type' }))
  t.same(corsOf(await fn('GET', '/x', { origin: 'https://trusted.example' })), { vary: 'Origin', 'access-control-allow-origin': 'https://trusted.example', 'access-control-allow-credentials': 'true' })
  t.same(corsOf(await fn('GET', '/x', { origin: 'https://other.example' })), { vary: 'Origin' })
  const delegated = await serve(t, await appWith({ delegator: async () => ({ origin: true, credentials: true }) }))
  t.same(corsOf(await delegated('GET', '/x', { origin: 'https://trusted.example' })), { vary: 'Origin', 'access-control-allow-origin': 'https://trusted.example', 'access-control-allow-credentials': 'true' })
})

test('refused with credentials: a RegExp that admits sites it does not name, or look-alikes of its own text; accepted without', async (t) => {
  for (const [regexp, cited] of [
    [/^https?:\/\/.*$/, 'https://corsica-probe.invalid'],
    [/.*/, 'https://corsica-probe.invalid'],
    [/^https:\/\/[a-z0-9.-]+\.(com|net|org)$/, 'https://corsica-probe.com'],
    [/example\.com$/, 'http://evil.testexample.com'],
    [/^https:\/\/app\.example\.com/, 'https://app.example.com.evil.test']
  ] as const) {
    const error = await registrationError({ origin: [regexp], credentials: true, allowedHeaders: 'content-type' })
    t.same(error.issues?.map((issue) => issue.path), ['origin[0]'], String(regexp))
    t.match(error.issues?.[0].message, `also matches '${cited}', a site anyone can set up, and credentials is true`, String(regexp))
    t.match(error.issues?.[0].message, /dangerouslyTolerateAnyOriginWithCredentials: true$/)
    const app = Fastify()
    await app.register(corsPlugin, { origin: [regexp], credentials: true, allowedHeaders: 'content-type', dangerouslyTolerateAnyOriginWithCredentials: true })
    await app.ready()
    await app.close()
  }
  const send = await serve(t, await appWith({ origin: [/^https?:\/\/.*$/] }))
  t.same(corsOf(await send('GET', '/x', { origin: 'https://anyone.example' })), { vary: 'Origin', 'access-control-allow-origin': 'https://anyone.example' })
})

test('accepted with credentials: anchored RegExps that name their hosts (real-world cases)', async (t) => {
  const regexps = [/^https:\/\/([a-z0-9-]+\.)*example\.org$/, /^https?:\/\/localhost(:\d+)?$/, /^https:\/\/vhealpoints-.*-vulephuonganhs-projects\.vercel\.app$/, /^https:\/\/(\w+\.)*joinarena\.ai$/, /^http:\/\/127\.0\.0\.1(?::\d+)?$/]
  const send = await serve(t, await appWith({ origin: regexps, credentials: true, allowedHeaders: 'content-type' }))
  for (const origin of ['https://a.b.example.org', 'http://localhost:5173', 'https://vhealpoints-git-main-vulephuonganhs-projects.vercel.app', 'https://joinarena.ai']) {
    t.same(corsOf(await send('GET', '/x', { origin })), { vary: 'Origin', 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' }, origin)
  }
})

test('a RegExp over a public suffix its source names: refused with credentials, warned without, like the wildcard pattern', async (t) => {
  for (const [regexp, suffix] of [
    [/^https:\/\/[a-z0-9-]+\.github\.io$/, 'github.io'],
    [/\.vercel\.app$/, 'vercel.app'],
    [/^https:\/\/[a-z0-9-]+\.netlify\.app$/, 'netlify.app'],
    [/^https:\/\/.*\.co\.uk$/, 'co.uk']
  ] as const) {
    const error = await registrationError({ origin: [regexp], credentials: true, allowedHeaders: 'content-type' })
    t.match(error.issues?.[0].message, `allows sites under '${suffix}', a public suffix`, String(regexp))
    t.match(error.issues?.[0].message, /and credentials is true; list your own sites, or set dangerouslyTolerateSubdomainsOfPublicSuffixes: true$/)
    const warnings = await emitted(t, async () => {
      const app = await appWith({ origin: [regexp] })
      await app.ready()
      await app.close()
    })
    const expected = regexp.source.startsWith('^') ? ['FST_CORS_PUBLIC_SUFFIX_WILDCARD'] : ['FST_CORS_UNANCHORED_REGEXP', 'FST_CORS_PUBLIC_SUFFIX_WILDCARD']
    t.same(warnings.map((warning) => warning.code), expected, String(regexp))
  }
  const tolerated = await serve(t, await appWith({ origin: [/^https:\/\/[a-z0-9-]+\.github\.io$/], credentials: true, allowedHeaders: 'content-type', dangerouslyTolerateSubdomainsOfPublicSuffixes: true }))
  t.equal((await tolerated('GET', '/x', { origin: 'https://anyone.github.io' })).headers['access-control-allow-origin'], 'https://anyone.github.io')
  // Narrow patterns on a public suffix (one project's preview URLs) are not subdomains anyone can register.
  const narrow = await emitted(t, async () => {
    const app = await appWith({ origin: [/^https:\/\/walrus-git-[a-z0-9-]+-neils-projects-3cbdf85d\.vercel\.app$/i], credentials: true, allowedHeaders: 'content-type' })
    await app.ready()
    await app.close()
  })
  t.same(narrow, [])
})

test("a route's own origin '*' under plugin credentials is public: no credentials, with a warning; the route's credentials: true is refused", async (t) => {
  const warnings = await emitted(t, async () => {
    const app = await appWith({ origin: ['https://app.example'], credentials: true, allowedHeaders: 'content-type' }, (app) => {
      app.get('/public', { config: { cors: { origin: '*' } } }, async () => 'public')
      app.get('/quiet', { config: { cors: { origin: '*', credentials: false } } }, async () => 'quiet')
    })
    const send = await serve(t, app)
    const pre = await send('OPTIONS', '/public', { origin: 'https://anyone.example', 'access-control-request-method': 'GET' })
    t.equal(pre.status, 204)
    t.same(corsOf(pre), { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET,HEAD,POST', 'access-control-allow-headers': 'content-type' })
    t.same(corsOf(await send('GET', '/public', { origin: 'https://anyone.example' })), { 'access-control-allow-origin': '*' })
    t.same(corsOf(await send('GET', '/x', { origin: 'https://app.example' })), { vary: 'Origin', 'access-control-allow-origin': 'https://app.example', 'access-control-allow-credentials': 'true' }, 'other routes keep the credentials')
  })
  t.same(warnings.map((warning) => warning.code), ['FST_CORS_PUBLIC_ROUTE_WITHOUT_CREDENTIALS'])
  t.equal(warnings[0].message, "fastify-corsica: route GET /public: origin '*' makes it public, so it does not inherit credentials: true from the plugin options (browsers never send credentials to '*'); set credentials: false in its config.cors to say so")
  const app = await appWith({ origin: ['https://app.example'], credentials: true, allowedHeaders: 'content-type' })
  app.get('/own', { config: { cors: { origin: '*', credentials: true } } }, async () => 'own')
  await t.rejects(async () => { await app.ready() }, { code: 'FST_CORS_INVALID_ROUTE_OPTIONS', message: /'\*' cannot be used with credentials \(browsers reject that pair\), and credentials is true/ })
})

test('a route refused for what it inherits says where credentials came from and how to turn them off there', async (t) => {
  const reflecting = await appWith({ origin: ['https://app.example'], credentials: true, allowedHeaders: 'content-type' })
  reflecting.get('/reflect', { config: { cors: { origin: true } } }, async () => 'r')
  await t.rejects(async () => { await reflecting.ready() }, {
    code: 'FST_CORS_INVALID_ROUTE_OPTIONS',
    message: /origin: true reflects every origin, and credentials: true comes from the plugin options \(set credentials: false here if these origins need no cookies\)/
  })
  const insecure = await appWith({ origin: ['https://app.example'], credentials: true, allowedHeaders: 'content-type' })
  insecure.get('/insecure', { config: { cors: { origin: ['http://partner.example'] } } }, async () => 'i')
  await t.rejects(async () => { await insecure.ready() }, { message: /insecure \(http\) origin and credentials: true comes from the plugin options/ })
  // A route that turns credentials off may reflect.
  const open = await serve(t, await appWith({ origin: ['https://app.example'], credentials: true, allowedHeaders: 'content-type' }, (app) => {
    app.get('/reflect', { config: { cors: { origin: true, credentials: false } } }, async () => 'r')
  }))
  t.same(corsOf(await open('GET', '/reflect', { origin: 'https://anyone.example' })), { vary: 'Origin', 'access-control-allow-origin': 'https://anyone.example' })
})

test("a delegator result with its own origin '*' under plugin credentials is public too", async (t) => {
  const send = await serve(t, await appWith({ origin: ['https://app.example'], credentials: true, allowedHeaders: 'content-type', delegator: async () => ({ origin: '*' }) }))
  t.same(corsOf(await send('GET', '/x', { origin: 'https://anyone.example' })), { vary: 'Origin', 'access-control-allow-origin': '*' })
  // A kept list holding '*' is public on every call; a kept list without it keeps the credentials.
  const wildcard = ['https://app.example', '*']
  const listed = ['https://app.example']
  const lists = await serve(t, await appWith({ credentials: true, allowedHeaders: 'content-type', delegator: async (request: { headers: Record<string, string | undefined> }) => ({ origin: request.headers['x-public'] === '1' ? wildcard : listed }) }))
  for (let i = 0; i < 2; i++) {
    t.same(corsOf(await lists('GET', '/x', { origin: 'https://anyone.example', 'x-public': '1' })), { vary: 'Origin', 'access-control-allow-origin': '*' })
    t.same(corsOf(await lists('GET', '/x', { origin: 'https://app.example' })), { vary: 'Origin', 'access-control-allow-origin': 'https://app.example', 'access-control-allow-credentials': 'true' })
  }
})

test("an origin function resolving to '*' with credentials is a 500 whose fix does not reflect every origin", async (t) => {
  const send = await serve(t, await appWith({ origin: async () => '*', credentials: true, allowedHeaders: 'content-type' }))
  const res = await send('GET', '/x', { origin: 'https://anyone.example' })
  t.equal(res.status, 500)
  t.equal(JSON.parse(res.body).message, "fastify-corsica: the origin function resolved to '*' but credentials is true, and browsers reject that pair; resolve to true when this request's origin is allowed, or to the allowed origins")
})
