import createError, { type FastifyErrorConstructor } from '@fastify/error'
import type { ConfigIssue } from './compiled.js'

// Coded errors made with @fastify/error, as Fastify and its plugins make theirs (docs/behaviour.md
// §1.3): `code`, `statusCode`, `instanceof`. Option errors are TypeErrors, as @fastify/cors throws.
type MessageError = FastifyErrorConstructor<{ code: string, statusCode: 500 }, [string]>
const MESSAGE = 'fastify-corsica: %s'

/** Invalid plugin options, thrown at registration (or by `reconfigure`) with every problem (`issues`). */
export const CorsConfigError: MessageError = createError('FST_CORS_INVALID_OPTIONS', MESSAGE, 500, TypeError)
/** An invalid `config.cors`, thrown when the app becomes ready; also a CorsConfigError. */
export const CorsRouteConfigError: MessageError = createError('FST_CORS_INVALID_ROUTE_OPTIONS', MESSAGE, 500, CorsConfigError as unknown as ErrorConstructor)
/** A catch-all OPTIONS route of the app's where the plugin answers preflights. */
export const CorsOptionsRouteConflictError: MessageError = createError('FST_CORS_OPTIONS_ROUTE_CONFLICT', MESSAGE, 500)
/** Routes that get the plugin's hooks but were declared before it loaded (docs/behaviour.md §3.10). */
export const CorsRoutesUnseenError: MessageError = createError('FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN', MESSAGE, 500)
/** A handle used before it was passed to a registration that has loaded. */
export const CorsHandleNotBoundError: MessageError = createError('FST_CORS_HANDLE_NOT_BOUND', MESSAGE, 500)
/** `printCorsPolicies()` called before the app is ready, when routes may still change. */
export const CorsNotReadyError: MessageError = createError('FST_CORS_NOT_READY', MESSAGE, 500)
/** What an origin function resolved to (or failed with) is not usable: a 500 for that request. */
export const CorsOriginResultError: MessageError = createError('FST_CORS_INVALID_ORIGIN_RESULT', MESSAGE, 500)
/** What a delegator returned (or failed with) is not usable: a 500 for that request. */
export const CorsDelegatorResultError: MessageError = createError('FST_CORS_INVALID_DELEGATOR_RESULT', MESSAGE, 500)

/** An error carrying every problem found, so a user fixes the whole configuration in one pass. */
export type ErrorWithIssues = InstanceType<MessageError> & { readonly issues: readonly ConfigIssue[] }

/** At most this many problems are spelt out in a message; `error.issues` holds every one (docs/behaviour.md §1.3). */
const ISSUES_SHOWN = 20
/** Builds `Kind` with a message listing the issues (`where`: 'the options', 'config.cors of route GET /x'; a message all share said once), and the issues. */
export function errorWithIssues (Kind: MessageError, where: string, issues: readonly ConfigIssue[]): ErrorWithIssues {
  const alike = issues.length > 1 && issues.every((issue) => issue.message === issues[0].message)
  const lines = issues.slice(0, ISSUES_SHOWN).map((issue) => alike ? `  - ${issue.path}` : `  - ${issue.path}: ${issue.message}`)
  if (issues.length > ISSUES_SHOWN) lines.push(`  - and ${issues.length - ISSUES_SHOWN} more (error.issues lists every one)`)
  const error = new Kind(`${issues.length} ${issues.length === 1 ? 'problem' : 'problems'} in ${where}${alike ? `; each of these ${issues[0].message}` : ''}:\n${lines.join('\n')}`) as ErrorWithIssues
  Object.defineProperty(error, 'issues', { value: issues, enumerable: true })
  return error
}
