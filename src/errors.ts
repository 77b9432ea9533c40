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

/**
 * Thrown at registration (or when a route is added) with every problem at once,
 * so a user fixes the whole configuration in one pass.
 */
export class CorsConfigError extends Error {
  readonly code: string
  readonly issues: readonly ConfigIssue[]
  readonly statusCode = 500

  constructor (code: string, where: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`)
    const noun = issues.length === 1 ? 'problem' : 'problems'
    super(`fastify-corsica: ${issues.length} ${noun} in ${where}:\n${lines.join('\n')}`)
    this.name = 'CorsConfigError'
    this.code = code
    this.issues = issues
  }
}

/** An error raised while serving a request (an origin function or delegator result); Fastify answers 500. */
export class CorsRequestError extends Error {
  readonly code: string
  readonly statusCode = 500

  constructor (code: string, message: string) {
    super(`fastify-corsica: ${message}`)
    this.name = 'CorsRequestError'
    this.code = code
  }
}
