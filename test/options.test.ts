import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import corsPlugin from '../src/index.js'
import { build, corsHeaders, PARTNER, registrationError, warningsFor } from './helpers/app.js'

function paths (error: { issues?: Array<{ path: string }> }): string[] {
  return (error.issues ?? []).map((issue) => issue.path)
}

test("origin '*' with credentials is refused with a code and the fix", async (t) => {
  const error = await registrationError({ origin: '*', credentials: true })
  t.equal(error.code, 'FST_CORS_INVALID_OPTIONS')
  // Made with @fastify/error, a TypeError as @fastify/cors throws for invalid options.
  t.equal(error.name, 'FastifyError')
  t.ok(error instanceof TypeError)
  t.ok(error instanceof corsPlugin.errorCodes.FST_CORS_INVALID_OPTIONS)
  t.ok(error instanceof corsPlugin.CorsConfigError)
  t.equal((error as { statusCode?: number }).statusCode, 500)
  t.match(error.message, /origin: '\*' cannot be used with credentials \(browsers reject that pair\), and credentials is true; list the origins/)
  t.notMatch(error.message, /origin: true|reflect/, 'the fix never suggests reflecting every origin')
})

test("the default origin '*' with credentials: true is refused too", async (t) => {
  const error = await registrationError({ credentials: true })
  t.same(paths(error), ['origin'])
})

test("'*' inside an origin list with credentials is refused", async (t) => {
  const error = await registrationError({ origin: ['https://a.example', '*'], credentials: true })
  t.same(paths(error), ['origin'])
})

test("allowedHeaders, exposedHeaders and methods '*' with credentials are each refused", async (t) => {
  const error = await registrationError({ origin: ['https://a.example'], credentials: true, allowedHeaders: '*', exposedHeaders: ['*'], methods: '*' })
  t.same(paths(error).sort(), ['allowedHeaders', 'exposedHeaders', 'methods'])
  t.match(error.message, /treat it as a literal name/)
})

test('a misspelt option is refused with a did-you-mean hint', async (t) => {
  const error = await registrationError({ orgin: 'https://a.example' })
  t.equal(error.code, 'FST_CORS_INVALID_OPTIONS')
  t.same(paths(error), ['orgin'])
  t.match(error.message, /orgin: is not an option; did you mean 'origin'\?/)
})

test('an unknown option far from any known name gets no guess', async (t) => {
  const error = await registrationError({ zzzzzzzzzzzz: 1 })
  t.notMatch(error.message, /did you mean/)
  t.match(error.message, /zzzzzzzzzzzz: is not an option$/m, 'no list of every option name either')
})

test('several problems are reported together in one error', async (t) => {
  const error = await registrationError({ maxAge: 'x', optionsSuccessStatus: 'y', origin: '*', credentials: true, orgin: 1 })
  t.same(paths(error), ['orgin', 'maxAge', 'optionsSuccessStatus', 'origin'])
  t.match(error.message, /^fastify-corsica: 4 problems in the options:/)
  t.match(error.message, /maxAge: expected a whole number of seconds, 0 or more \(e\.g\. 600\), got "x"/)
  t.match(error.message, /optionsSuccessStatus: expected a whole number from 200 to 299/)
})

test('a list with 25 problems: the message spells out 20, each with its own path and message, and says how many more; error.issues holds all', async (t) => {
  const origin = Array.from({ length: 25 }, (_, i) => `ftp://host${i}.example`)
  const error = await registrationError({ origin })
  t.equal(error.issues?.length, 25)
  const lines = error.message.split('\n')
  t.equal(lines[0], 'fastify-corsica: 25 problems in the options:')
  t.equal(lines.length, 22)
  t.equal(lines[1], `  - origin[0]: ${error.issues?.[0].message as string}`)
  t.match(lines[20], /^ {2}- origin\[19\]: "ftp:\/\/host19\.example" has the scheme 'ftp:'/)
  t.equal(lines[21], '  - and 5 more (error.issues lists every one)')
})

test('options that are not an object are refused', async (t) => {
  const error = await registrationError([1, 2])
  t.match(error.message, /\(options\): expected an options object, got an array/)
})

test('optionsSuccessStatus outside 200-299 is refused', async (t) => {
  for (const status of [199, 300, 404, 204.5]) {
    const error = await registrationError({ optionsSuccessStatus: status })
    t.same(paths(error), ['optionsSuccessStatus'], String(status))
  }
})

test('negative or fractional maxAge is refused', async (t) => {
  for (const maxAge of [-1, 1.5]) {
    const error = await registrationError({ maxAge })
    t.match(error.message, new RegExp(`maxAge: expected .* got ${maxAge}`))
  }
})

test('an unknown hook is refused with the list of hooks', async (t) => {
  const error = await registrationError({ hook: 'onResponse' })
  t.match(error.message, /hook: expected one of 'onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend', got "onResponse"/)
})

test('wrong types are described in the message', async (t) => {
  const error = await registrationError({ credentials: 'yes', preflight: null, hideOptionsRoute: {}, strictPreflight: () => 1, preflightContinue: /x/, methods: 5, logLevel: 'loud', exposedHeaders: [1], delegator: 'x', cacheControl: true })
  t.match(error.message, /credentials: expected true or false, got "yes"/)
  t.match(error.message, /preflight: expected true or false, got null/)
  t.match(error.message, /hideOptionsRoute: expected true or false, got a object/)
  t.match(error.message, /strictPreflight: expected true or false, got a function/)
  t.match(error.message, /preflightContinue: expected true or false, got \/x\//)
  t.match(error.message, /methods: expected .* got 5/)
  t.match(error.message, /logLevel: expected one of 'fatal'/)
  t.match(error.message, /exposedHeaders: expected .* got an array/)
  t.match(error.message, /delegator: expected/)
  t.match(error.message, /cacheControl: expected .* got true/)
  const lists = await registrationError({ origin: ['https://a.example', 1], methods: ['GET', 2], allowedHeaders: ['X-A', null] })
  t.same(paths(lists), ['origin', 'methods', 'allowedHeaders'], 'a list holding something else than names is described too')
})

test('an origin function resolving to a list that holds something else than origins is a 500', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: async () => ['https://a.example', 1] } as never)
  app.get('/x', async () => 'x')
  const res = await app.inject({ url: '/x', headers: { origin: 'https://a.example' } })
  t.equal(res.statusCode, 500)
  t.match(res.json().message, /the origin function resolved to \["https:\/\/a\.example",1\]; it must resolve to a boolean/)
})

test('invalid method tokens and forbidden methods are refused', async (t) => {
  const error = await registrationError({ methods: ['GET', 'PO ST', 'connect', 'TRACE', 'track'] })
  t.same(paths(error), ['methods', 'methods', 'methods', 'methods'])
  t.match(error.message, /"PO ST" is not a valid method name/)
  t.match(error.message, /CONNECT can never be sent by a browser/)
  t.match(error.message, /TRACK can never be sent/)
})

test('an empty methods list is refused', async (t) => {
  const error = await registrationError({ methods: ' , ' })
  t.match(error.message, /methods: is empty/)
})

test('invalid header names are refused', async (t) => {
  const error = await registrationError({ allowedHeaders: 'X-Ok, X Bad', exposedHeaders: ['X-Ok', 'Bad:Name'] })
  t.match(error.message, /allowedHeaders: "X Bad" is not a valid header name/)
  t.match(error.message, /exposedHeaders: "Bad:Name" is not a valid header name/)
})

test('a cacheControl string that is not a header value is refused', async (t) => {
  for (const cacheControl of ['', 'max-age=1\r\nx: y', ' padded']) {
    const error = await registrationError({ cacheControl })
    t.same(paths(error), ['cacheControl'], JSON.stringify(cacheControl))
  }
})

test('configured origins with a path, query, fragment or user info are refused', async (t) => {
  const error = await registrationError({
    origin: ['https://a.example/app', 'https://a.example?x=1', 'https://a.example#top', 'https://user@a.example', 'https://a.example//']
  })
  t.same(paths(error), ['origin[0]', 'origin[1]', 'origin[2]', 'origin[3]', 'origin[4]'])
  t.match(error.message, /origin\[0\]: "https:\/\/a\.example\/app" has a path, query or fragment \("\/app"\)/)
  t.match(error.message, /origin\[3\]: .* contains user info/)
})

test('configured origins with an unknown scheme or no scheme are refused', async (t) => {
  const error = await registrationError({ origin: ['ftp://a.example', 'a.example', 'chrome-extension://abc'] })
  t.match(error.message, /origin\[0\]: .* has the scheme 'ftp:'/)
  t.match(error.message, /origin\[1\]: "a\.example" is not an origin; did you mean 'https:\/\/a\.example'\?/)
  t.match(error.message, /origin\[2\]: .*use a RegExp for other schemes/)
})

test('an origin written without its scheme is refused with the origin it likely means', async (t) => {
  const error = await registrationError({ origin: ['app.example.com', 'localhost:3000', '127.0.0.1:8080', '[::1]:5173', '*.example.com', 'api.example.com:8443', 'example.com/app', 'not an origin', '//a.example'] })
  t.same((error.issues ?? []).map((issue) => issue.message), [
    '"app.example.com" is not an origin; did you mean \'https://app.example.com\'?',
    '"localhost:3000" is not an origin; did you mean \'http://localhost:3000\'?',
    '"127.0.0.1:8080" is not an origin; did you mean \'http://127.0.0.1:8080\'?',
    '"[::1]:5173" is not an origin; did you mean \'http://[::1]:5173\'?',
    '"*.example.com" is not an origin; did you mean \'https://*.example.com\'?',
    '"api.example.com:8443" is not an origin; did you mean \'https://api.example.com:8443\'?',
    // Nothing is suggested that is not a well-formed origin itself (the safety checks of §2.4 still apply to what is).
    '"example.com/app" is not an origin; an origin is scheme://host[:port] only, e.g. \'https://app.example.com\'',
    '"not an origin" is not an origin; an origin is scheme://host[:port] only, e.g. \'https://app.example.com\'',
    '"//a.example" is not an origin; an origin is scheme://host[:port] only, e.g. \'https://app.example.com\''
  ])
})

test('a single invalid origin string is refused with its path', async (t) => {
  const error = await registrationError({ origin: 'https://a.example/path' })
  t.same(paths(error), ['origin'])
})

test('an origin with an invalid host is refused', async (t) => {
  const error = await registrationError({ origin: ['https://exa mple.com', 'http://:80'] })
  t.match(error.message, /origin\[0\]: .* does not have a valid host/)
  t.match(error.message, /origin\[1\]: .* does not have a valid host/)
})

test('wildcards in unsupported places are refused', async (t) => {
  const error = await registrationError({ origin: ['https://a.*.example', 'https://*', '*://a.example', 'https://*.com', 'https://a.example:80:*'] })
  t.match(error.message, /origin\[0\]: .* '\*' in an unsupported place/)
  t.match(error.message, /origin\[1\]: .* '\*' in an unsupported place/)
  t.match(error.message, /origin\[2\]: .* is not an origin/)
  t.match(error.message, /origin\[3\]: .* would match every site under '\.com'/)
  t.match(error.message, /origin\[4\]: "https:\/\/a\.example:80:\*" names two ports/)
})

test('a wildcard over a host no browser sends is refused instead of never matching', async (t) => {
  const error = await registrationError({ origin: ['https://*.a!b.example', 'https://*..a.example', 'http://a$b:*', 'https://*.a..b.example'] })
  for (let i = 0; i < 4; i++) t.match(error.message, new RegExp(`origin\\[${i}\\]: .* would never match: browsers send hosts of letters`))
})

test('an empty origin list is refused', async (t) => {
  const error = await registrationError({ origin: [[]] })
  t.match(error.message, /origin: an empty list allows no origin; use origin: false/)
})

test('origin of a wrong type is refused with every accepted form listed', async (t) => {
  const error = await registrationError({ origin: 42 })
  t.match(error.message, /origin: expected a boolean, '\*', an origin string .* or a function, got 42/)
})

test('an unanchored RegExp origin produces one warning at registration', async (t) => {
  const warnings = await warningsFor({ origin: [/partner\.example/, /^https:\/\/ok\.example$/] })
  t.equal(warnings.length, 1)
  t.match(warnings[0], /^fastify-corsica: origin\[0\]: the RegExp \/partner\\\.example\/ is not anchored with \^\.\.\.\$/)
})

test('maxAge above 7200 produces one warning about the Chromium cap', async (t) => {
  const warnings = await warningsFor({ maxAge: 86400 })
  t.same(warnings, ["fastify-corsica: maxAge: 86400 seconds is above Chromium's cap of 7200; Chromium caches the preflight for 7200 seconds at most"])
})

test('a valid configuration produces no warnings', async (t) => {
  const warnings = await warningsFor({ origin: ['https://a.example'], maxAge: 7200 })
  t.same(warnings, [])
})

test('an object shaped like a RegExp but not one is refused in an origin list', async (t) => {
  const error = await registrationError({ origin: ['https://a.example', { source: 'a', flags: '' }] })
  t.equal(error.code, 'FST_CORS_INVALID_OPTIONS')
  t.same(error.issues, [{ path: 'origin[1]', message: 'is an object that is not a RegExp; list origin strings, wildcard patterns or RegExps' }])
})

test('every error is coded with @fastify/error: route options (also a CorsConfigError), a conflicting OPTIONS route, bad per-request results', async (t) => {
  const { errorCodes } = corsPlugin
  const route = Fastify()
  await route.register(corsPlugin)
  const thrown = (fn: () => unknown): Error & { code?: string } => {
    try {
      fn()
    } catch (error) {
      return error as Error
    }
    throw new Error('expected a throw')
  }
  const conflict = thrown(() => route.options('*', async () => 'mine'))
  t.ok(conflict instanceof errorCodes.FST_CORS_OPTIONS_ROUTE_CONFLICT && !(conflict instanceof TypeError))
  route.get('/x', { config: { cors: { maxAge: -1 } } }, async () => 'x')
  const routeError = await route.ready().then(() => null, (error: Error & { code?: string }) => error)
  t.ok(routeError instanceof errorCodes.FST_CORS_INVALID_ROUTE_OPTIONS && routeError instanceof errorCodes.FST_CORS_INVALID_OPTIONS && routeError instanceof TypeError)
  t.equal(routeError?.code, 'FST_CORS_INVALID_ROUTE_OPTIONS')
  const early = Fastify()
  early.register(corsPlugin)
  early.get('/early', async () => 'early')
  const unseen = await early.ready().then(() => null, (error: Error) => error)
  t.ok(unseen instanceof errorCodes.FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN && !(unseen instanceof TypeError))
  const unbound = thrown(() => corsPlugin.createCorsHandle().options)
  t.ok(unbound instanceof errorCodes.FST_CORS_HANDLE_NOT_BOUND)
  const bad = Fastify()
  await bad.register(corsPlugin, { origin: async () => 42 } as never)
  bad.setErrorHandler((error, _request, reply) => { reply.send({ originResult: error instanceof errorCodes.FST_CORS_INVALID_ORIGIN_RESULT }) })
  bad.get('/x', async () => 'x')
  t.same((await bad.inject({ url: '/x', headers: { origin: 'https://a.example' } })).json(), { originResult: true })
  const delegated = Fastify()
  await delegated.register(corsPlugin, { delegator: async () => ({ maxAge: 'x' }) } as never)
  delegated.setErrorHandler((error, _request, reply) => { reply.send({ delegatorResult: error instanceof errorCodes.FST_CORS_INVALID_DELEGATOR_RESULT, issues: (error as { issues?: unknown[] }).issues?.length }) })
  delegated.get('/x', async () => 'x')
  t.same((await delegated.inject({ url: '/x', headers: { origin: 'https://a.example' } })).json(), { delegatorResult: true, issues: 1 })
})

test('a list in the options changed after registration changes nothing, not even for routes added later', async (t) => {
  const methods = ['GET', 'PUT']
  const app = Fastify()
  await app.register(corsPlugin, { origin: ['https://a.example'], methods })
  methods.push('DELETE')
  app.delete('/later', { config: { cors: { maxAge: 5 } } }, async () => 'later')
  await app.ready()
  const res = await app.inject({ method: 'OPTIONS', url: '/later', headers: { origin: 'https://a.example', 'access-control-request-method': 'DELETE' } })
  t.equal(res.statusCode, 403)
})

test('exposedHeaders with no names exposes nothing (no empty Access-Control-Expose-Headers)', async (t) => {
  for (const exposedHeaders of [[], '', ' , ']) {
    const app = await build({ origin: [PARTNER], exposedHeaders })
    const res = await app.inject({ method: 'GET', url: '/items', headers: { origin: PARTNER } })
    t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER }, JSON.stringify(exposedHeaders))
    await app.close()
  }
})
