import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { CorsHook } from './option-names.js'

// The option types users write, by hand so the published declarations need no TypeBox;
// test/schema.test.ts checks they are the types the TypeBox schema (schema.ts) derives.
export type { CorsHook }

/** An origin item, named so type errors say `OriginItem` rather than the expanded union. */
export type OriginItem = string | RegExp | OriginList
/** A (nested) list of origin items. */
export interface OriginList extends Array<OriginItem> {}
/** Every static form `origin` accepts. */
export type StaticOrigin = boolean | OriginItem

export type OriginCallback = (error: Error | null, origin?: StaticOrigin) => void
/** `(origin, cb)` or `async (origin)`, with `this` bound to the Fastify instance (docs/behaviour.md §2.1). */
export type OriginFunction = (
  this: FastifyInstance,
  origin: string | undefined,
  callback: OriginCallback
) => void | StaticOrigin | Promise<StaticOrigin>

/** Options for one route, in `config.cors` (docs/behaviour.md §2 says what each does). */
export interface RouteCorsOptions {
  origin?: StaticOrigin | OriginFunction
  methods?: string | string[]
  allowedHeaders?: string | string[]
  exposedHeaders?: string | string[]
  credentials?: boolean
  /** Seconds, 0 or more. */
  maxAge?: number
  cacheControl?: number | string
  /** 200 to 299. */
  optionsSuccessStatus?: number
  preflightContinue?: boolean
  strictPreflight?: boolean
  dangerouslyTolerateSubdomainsOfPublicSuffixes?: boolean
  dangerouslyTolerateInsecureOrigins?: boolean
  dangerouslyTolerateUnsafeRegExps?: boolean
  dangerouslyTolerateAnyOriginWithCredentials?: boolean
}

/** Plugin options (same names and defaults as @fastify/cors 11). */
export interface CorsOptions extends RouteCorsOptions {
  preflight?: boolean
  hideOptionsRoute?: boolean
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  hook?: CorsHook
  delegator?: CorsDelegator
  handle?: CorsHandle
}

/**
 * Changes a registration's options at runtime (docs/behaviour.md §8). Made by
 * `createCorsHandle()`, passed as the `handle` option of one registration.
 */
export interface CorsHandle {
  /**
   * Replaces the registration's options (it does not merge them: pass every option you want,
   * e.g. `{ ...handle.options, origin: [...] }`), validated like registration options; throws the
   * same coded error (every problem listed) and leaves the running policy untouched when they are
   * invalid. `hook`, `preflight`, `hideOptionsRoute` and `logLevel` may be left out (kept) but not
   * changed. Requests in flight finish under the options they started with.
   */
  reconfigure: (options: CorsOptions) => void
  /** The options in force, defaults applied; frozen. Mutating the options object given has no effect. */
  readonly options: Readonly<CorsOptions>
}

export type DelegatorCallback = (error: Error | null, options?: RouteCorsOptions) => void
/** Per-request options: `(req, cb)`, `async (req)`, or a sync function returning options. */
export type CorsDelegator = (
  request: FastifyRequest,
  callback: DelegatorCallback
) => void | RouteCorsOptions | Promise<RouteCorsOptions>
