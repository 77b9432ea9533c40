import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { HOOKS, LOG_LEVELS } from './option-names.js'
import type { CorsDelegator, CorsHandle, CorsHook, OriginFunction, StaticOrigin } from './types.js'

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

/** Every static form `origin` accepts; its static type is `StaticOrigin` (test/schema.test.ts checks they agree). */
export const StaticOriginSchema = Type.Unsafe<StaticOrigin>(Type.Union([Type.Boolean(), OriginItemSchema]))

const StringList = Type.Union([Type.String(), Type.Array(Type.String())])

const LogLevelSchema = Type.Union(LOG_LEVELS.map((level) => Type.Literal(level))) as TUnsafe<typeof LOG_LEVELS[number]>

const HookSchema = Type.Union(HOOKS.map((hook) => Type.Literal(hook))) as TUnsafe<CorsHook>

/** Options that a route may override through `config.cors`. */
const routeProperties = {
  origin: Type.Optional(Type.Unsafe<StaticOrigin | OriginFunction>(Type.Union([StaticOriginSchema, FunctionOf<OriginFunction>()]))),
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
  dangerouslyTolerateUnsafeRegExps: Type.Optional(Type.Boolean()),
  dangerouslyTolerateAnyOriginWithCredentials: Type.Optional(Type.Boolean())
}

export const RouteCorsOptionsSchema = Type.Object(routeProperties, { additionalProperties: false })

export const CorsOptionsSchema = Type.Object({
  ...routeProperties,
  preflight: Type.Optional(Type.Boolean()),
  hideOptionsRoute: Type.Optional(Type.Boolean()),
  logLevel: Type.Optional(LogLevelSchema),
  hook: Type.Optional(HookSchema),
  delegator: Type.Optional(FunctionOf<CorsDelegator>()),
  handle: Type.Optional(Type.Unsafe<CorsHandle>(Type.Object({ reconfigure: Type.Function([], Type.Unknown()) })))
}, { additionalProperties: false })

/**
 * The validators the runtime uses, as TypeScript source generated from the schema with
 * TypeBox's own code generation (`TypeCompiler.Code`): one check per option, plus one for what
 * an origin function resolves to. `npm run generate` writes it to src/generated/checks.ts;
 * test/schema.test.ts fails when that file is not what the schema generates. The runtime never
 * loads TypeBox: it costs as long to load as Fastify itself (docs/behaviour.md §7).
 */
export function checksSource (): string {
  const references = [OriginItemSchema as TSchema]
  const check = (schema: TSchema): string => {
    // JavaScript: TypeBox's TypeScript output annotates for-of variables, which TypeScript rejects.
    const code = TypeCompiler.Code(schema, references, { language: 'javascript' })
    return `(() => {\n${code.replace(/^/gm, '  ')}\n})()`
  }
  const properties = CorsOptionsSchema.properties as Record<string, TSchema>
  const lines = [
    '// @ts-nocheck',
    '// Generated from src/schema.ts by `npm run generate` (TypeBox TypeCompiler.Code). Do not edit.',
    '/* eslint-disable */',
    '',
    '/** One check per option (docs/behaviour.md §2.3). */',
    'export const optionChecks: Readonly<Record<string, (value: unknown) => boolean>> = {',
    ...Object.keys(properties).map((key) => `  ${key}: ${check(properties[key]).replace(/\n/g, '\n  ')},`),
    '}',
    '',
    '/** What an origin function may resolve to. */',
    `export const checkStaticOrigin: (value: unknown) => boolean = ${check(StaticOriginSchema)}`,
    ''
  ]
  return lines.join('\n')
}
