// Type tests: compiled with `tsc -p types`; every @ts-expect-error must be an error.
import Fastify, { type FastifyContextConfig } from 'fastify'
import corsPlugin, { type CorsHandle, type CorsOptions, type RouteCorsOptions, type OriginFunction, type CorsDelegator } from '../src/index.mjs'
import cjsPlugin = require('../src/index.js')

const app = Fastify()

// Valid configurations compile.
app.register(corsPlugin)
app.register(corsPlugin, {})
app.register(corsPlugin, { origin: '*' })
app.register(corsPlugin, { origin: true, credentials: true })
app.register(corsPlugin, { origin: false })
app.register(corsPlugin, { origin: /^https:\/\/a\.example$/ })
app.register(corsPlugin, { origin: ['https://a.example', /b/, ['https://*.example.com']] })
app.register(corsPlugin, {
  origin: (origin, cb) => { cb(null, origin === 'https://a.example') },
  methods: ['GET', 'PUT'],
  allowedHeaders: 'Content-Type',
  exposedHeaders: ['X-Total-Count'],
  maxAge: 600,
  cacheControl: 'public, max-age=600',
  preflight: true,
  preflightContinue: false,
  optionsSuccessStatus: 200,
  strictPreflight: true,
  hideOptionsRoute: false,
  logLevel: 'debug',
  hook: 'preHandler',
  dangerouslyTolerateSubdomainsOfPublicSuffixes: false,
  dangerouslyTolerateInsecureOrigins: false,
  dangerouslyTolerateUnsafeRegExps: false
})
app.get('/tolerant', { config: { cors: { origin: ['http://intranet.example'], credentials: true, dangerouslyTolerateInsecureOrigins: true } } }, async () => 'ok')
export const warningCode: 'FST_CORS_PUBLIC_SUFFIX_WILDCARD' = corsPlugin.warningCodes.FST_CORS_PUBLIC_SUFFIX_WILDCARD
app.register(corsPlugin, { origin: async (origin) => origin !== undefined })
app.register(cjsPlugin, { origin: 'https://a.example' })
app.register(corsPlugin.corsPlugin, { cacheControl: 60 })

const originFn: OriginFunction = async function (origin) {
  this.log.info({ origin })
  return ['https://a.example']
}
const options: CorsOptions = { origin: originFn }
app.register(corsPlugin, options)

export const route: RouteCorsOptions = { origin: ['https://partner.example'], credentials: true, methods: 'auto' }
export const delegator: CorsDelegator = async (request) => ({ origin: request.headers.host === 'a' })
app.register(corsPlugin, { delegator, hook: 'preHandler' })
app.register(corsPlugin, { delegator: (request, cb) => cb(null, { origin: request.url === '/' }) })
app.register(corsPlugin, { delegator: () => ({ methods: 'auto' }) })

// Route config is type-checked through the FastifyContextConfig augmentation.
app.get('/partner', { config: { cors: { origin: ['https://partner.example'], maxAge: 60 } } }, async () => 'ok')
app.delete('/internal', { config: { cors: false } }, async () => 'ok')
// @ts-expect-error cors: true is not a route config
export const bad1: FastifyContextConfig = { cors: true }
// @ts-expect-error plugin-only options are not route options
export const bad2: FastifyContextConfig = { cors: { hook: 'onSend' } }
// @ts-expect-error maxAge is a number in route config too
app.get('/bad3', { config: { cors: { maxAge: '60' } } }, async () => 'ok')

// Mistakes fail to compile.
// @ts-expect-error misspelt option
app.register(corsPlugin, { orgin: '*' })
// @ts-expect-error maxAge is a number
app.register(corsPlugin, { maxAge: '600' })
// @ts-expect-error credentials is a boolean
app.register(corsPlugin, { credentials: 'true' })
// @ts-expect-error not a hook name
app.register(corsPlugin, { hook: 'onResponse' })
// @ts-expect-error origin is not a number
app.register(corsPlugin, { origin: 42 })
// @ts-expect-error methods is a string or string[]
app.register(corsPlugin, { methods: [1, 2] })
// @ts-expect-error not a log level
app.register(corsPlugin, { logLevel: 'loud' })
// @ts-expect-error route options do not include plugin-only options
export const badRoute: RouteCorsOptions = { hook: 'onRequest' }
// @ts-expect-error the opt-outs are booleans
app.register(corsPlugin, { dangerouslyTolerateInsecureOrigins: 'yes' })

// Inline route configs: Fastify infers its ContextConfig generic from the literal, so a
// misspelt key or `cors: true` is not caught there; `satisfies` is (README, "Types").
// @ts-expect-error misspelt key, caught with satisfies
app.get('/typo', { config: { cors: { orgin: ['https://a.example'] } satisfies RouteCorsOptions } }, async () => 'ok')
// @ts-expect-error a plugin-only option in a route config, caught with satisfies
app.get('/hook', { config: { cors: { hook: 'onSend' } satisfies RouteCorsOptions } }, async () => 'ok')
// @ts-expect-error cors: true is not a route config, caught with satisfies
app.get('/true', { config: { cors: true satisfies RouteCorsOptions | false } }, async () => 'ok')
app.get('/ok', { config: { cors: { origin: ['https://a.example'] } satisfies RouteCorsOptions } }, async () => 'ok')

// Runtime reconfiguration through a handle.
const handle: CorsHandle = corsPlugin.createCorsHandle()
app.register(corsPlugin, { origin: ['https://a.example'], handle })
handle.reconfigure({ origin: ['https://b.example'], credentials: true })
export const view: Readonly<CorsOptions> = handle.options
// @ts-expect-error the view is read-only
handle.options.origin = true
// @ts-expect-error reconfigure takes options
handle.reconfigure(42)

// Issue 27: printCorsPolicies() on the instance, frameworkErrors for Fastify's option.
export const printed: string = app.printCorsPolicies()
Fastify({ frameworkErrors: corsPlugin.frameworkErrors })
Fastify({ frameworkErrors: cjsPlugin.frameworkErrors })
