import createError, { type FastifyErrorConstructor } from '@fastify/error'

/** One problem found in the options: where it is, and what to write instead. */
export interface ConfigIssue {
  /** Option path, e.g. `origin[2]` or `maxAge`. */
  readonly path: string
  readonly message: string
}

export const CORS_INVALID_OPTIONS = 'FST_CORS_INVALID_OPTIONS'
export const CORS_INVALID_ROUTE_OPTIONS = 'FST_CORS_INVALID_ROUTE_OPTIONS'
export const CORS_INVALID_ORIGIN_RESULT = 'FST_CORS_INVALID_ORIGIN_RESULT'
export const CORS_OPTIONS_ROUTE_CONFLICT = 'FST_CORS_OPTIONS_ROUTE_CONFLICT'
export const CORS_INVALID_DELEGATOR_RESULT = 'FST_CORS_INVALID_DELEGATOR_RESULT'
/** Warning: a route was declared before the plugin loaded (docs/behaviour.md §3.10). */
export const CORS_ROUTE_UNSEEN = 'FST_CORS_ROUTE_UNSEEN'

// Coded errors made with @fastify/error, as Fastify and its plugins make theirs (docs/behaviour.md
// §1.3): `code`, `statusCode`, `instanceof`. Option errors are TypeErrors, as @fastify/cors throws.
type MessageError = FastifyErrorConstructor<{ code: string, statusCode: 500 }, [string]>
const MESSAGE = 'fastify-corsica: %s'

/** Invalid plugin options, thrown at registration with every problem (`issues`). */
export const CorsConfigError: MessageError = createError(CORS_INVALID_OPTIONS, MESSAGE, 500, TypeError)
/** An invalid `config.cors`, thrown when the route is added; also a CorsConfigError. */
export const CorsRouteConfigError: MessageError = createError(CORS_INVALID_ROUTE_OPTIONS, MESSAGE, 500, CorsConfigError as unknown as ErrorConstructor)
/** A catch-all OPTIONS route of the app's where the plugin answers preflights. */
export const CorsOptionsRouteConflictError: MessageError = createError(CORS_OPTIONS_ROUTE_CONFLICT, MESSAGE, 500)
/** What an origin function resolved to (or failed with) is not usable: a 500 for that request. */
export const CorsOriginResultError: MessageError = createError(CORS_INVALID_ORIGIN_RESULT, MESSAGE, 500)
/** What a delegator returned (or failed with) is not usable: a 500 for that request. */
export const CorsDelegatorResultError: MessageError = createError(CORS_INVALID_DELEGATOR_RESULT, MESSAGE, 500)

/** An error carrying every problem found, so a user fixes the whole configuration in one pass. */
export type ErrorWithIssues = InstanceType<MessageError> & { readonly issues: readonly ConfigIssue[] }

/** Builds `Kind` with a message listing every issue, and the issues themselves. */
export function errorWithIssues (Kind: MessageError, where: string, issues: readonly ConfigIssue[]): ErrorWithIssues {
  const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`)
  const noun = issues.length === 1 ? 'problem' : 'problems'
  const error = new Kind(`${issues.length} ${noun} in ${where}:\n${lines.join('\n')}`) as ErrorWithIssues
  Object.defineProperty(error, 'issues', { value: issues, enumerable: true })
  return error
}
