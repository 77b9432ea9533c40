import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { FastifyInstance, FastifyRequest } from 'fastify'

// TypeBox has no kind for RegExp instances. Rather than register one in TypeBox's global
// registry (a side effect of importing this package), the schema checks their shape (a
// `source` and `flags` string) and origin.ts checks `instanceof RegExp`.
const RegExpInstance: TUnsafe<RegExp> = Type.Unsafe<RegExp>(Type.Object({ source: Type.String(), flags: Type.String() }))
function FunctionOf<T> (): TUnsafe<T> {
  return Type.Unsafe<T>(Type.Function([], Type.Unknown()))
}

/** An origin item: a serialized origin, a wildcard pattern, `'*'`, a RegExp, or a (nested) list of them. */
export const OriginItemSchema = Type.Recursive((Self) =>
  Type.Union([Type.String(), RegExpInstance, Type.Array(Self)]), { $id: 'CorsOriginItem' })

/** Every static form `origin` accepts. */
export const StaticOriginSchema = Type.Union([Type.Boolean(), OriginItemSchema])
export type StaticOrigin = Static<typeof StaticOriginSchema>

export type OriginCallback = (error: Error | null, origin?: StaticOrigin) => void
/** `(origin, cb)` or `async (origin)`, with `this` bound to the Fastify instance (docs/behaviour.md §2.1). */
export type OriginFunction = (
  this: FastifyInstance,
  origin: string | undefined,
  callback: OriginCallback
) => void | StaticOrigin | Promise<StaticOrigin>

const StringList = Type.Union([Type.String(), Type.Array(Type.String())])

const LogLevelSchema = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level))
) as TUnsafe<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>

export const HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend'] as const
export type CorsHook = typeof HOOKS[number]
const HookSchema = Type.Union(HOOKS.map((hook) => Type.Literal(hook))) as TUnsafe<CorsHook>

/** Options that a route may override through `config.cors`. */
const routeProperties = {
  origin: Type.Optional(Type.Union([StaticOriginSchema, FunctionOf<OriginFunction>()])),
  methods: Type.Optional(StringList),
  allowedHeaders: Type.Optional(StringList),
  exposedHeaders: Type.Optional(StringList),
  credentials: Type.Optional(Type.Boolean()),
  maxAge: Type.Optional(Type.Integer({ minimum: 0 })),
  cacheControl: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String()])),
  optionsSuccessStatus: Type.Optional(Type.Integer({ minimum: 200, maximum: 299 })),
  preflightContinue: Type.Optional(Type.Boolean()),
  strictPreflight: Type.Optional(Type.Boolean()),
  dangerouslyTolerateSubdomainsOfPublicSuffixes: Type.Optional(Type.Boolean()),
  dangerouslyTolerateInsecureOrigins: Type.Optional(Type.Boolean()),
  dangerouslyTolerateUnsafeRegExps: Type.Optional(Type.Boolean())
}

export const RouteCorsOptionsSchema = Type.Object(routeProperties, { additionalProperties: false })

export const CorsOptionsSchema = Type.Object({
  ...routeProperties,
  preflight: Type.Optional(Type.Boolean()),
  hideOptionsRoute: Type.Optional(Type.Boolean()),
  logLevel: Type.Optional(LogLevelSchema),
  hook: Type.Optional(HookSchema),
  delegator: Type.Optional(FunctionOf<CorsDelegator>())
}, { additionalProperties: false })

/** Options for one route, in `config.cors`. */
export type RouteCorsOptions = Static<typeof RouteCorsOptionsSchema>
/** Plugin options (same names and defaults as @fastify/cors 11). */
export type CorsOptions = Static<typeof CorsOptionsSchema>

export type DelegatorCallback = (error: Error | null, options?: RouteCorsOptions) => void
/** Per-request options: `(req, cb)`, `async (req)`, or a sync function returning options. */
export type CorsDelegator = (
  request: FastifyRequest,
  callback: DelegatorCallback
) => void | RouteCorsOptions | Promise<RouteCorsOptions>

/** Compiled once at module load (docs/behaviour.md §2.3). */
export const checkOptions = TypeCompiler.Compile(CorsOptionsSchema, [OriginItemSchema as TSchema])
export const checkRouteOptions = TypeCompiler.Compile(RouteCorsOptionsSchema, [OriginItemSchema as TSchema])
export const checkStaticOrigin = TypeCompiler.Compile(StaticOriginSchema, [OriginItemSchema as TSchema])

/** What each option accepts, in words, for error messages. */
export const EXPECTED: Readonly<Record<string, string>> = {
  origin: "a boolean, '*', an origin string such as 'https://app.example.com', a wildcard pattern such as 'https://*.example.com', a RegExp, an array of those, or a function",
  methods: "a comma-separated string such as 'GET,POST', an array of method names, or 'auto' (the methods routed on the path)",
  allowedHeaders: "a comma-separated string such as 'Content-Type,Authorization' or an array of header names",
  exposedHeaders: "a comma-separated string such as 'X-Total-Count' or an array of header names",
  credentials: 'true or false',
  maxAge: 'a whole number of seconds, 0 or more (e.g. 600)',
  cacheControl: "a whole number of seconds (sent as 'max-age=N') or a Cache-Control header value",
  preflight: 'true or false',
  preflightContinue: 'true or false',
  optionsSuccessStatus: 'a whole number from 200 to 299 (204 by default; 200 for very old browsers)',
  strictPreflight: 'true or false',
  dangerouslyTolerateSubdomainsOfPublicSuffixes: 'true or false',
  dangerouslyTolerateInsecureOrigins: 'true or false',
  dangerouslyTolerateUnsafeRegExps: 'true or false',
  hideOptionsRoute: 'true or false',
  logLevel: "one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'",
  hook: `one of ${HOOKS.map((hook) => `'${hook}'`).join(', ')}`,
  delegator: '(request, callback) => void, async (request) => options, or (request) => options'
}
