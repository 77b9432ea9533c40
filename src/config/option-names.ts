/**
 * What the runtime needs to know about the options without loading TypeBox (docs/behaviour.md
 * §2.3): their names, and what each accepts in words. The TypeBox schema (schema.ts) is built
 * from these lists, and test/schema.test.ts checks that the two agree.
 */

export const HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend'] as const
export type CorsHook = typeof HOOKS[number]

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Options a route may set in `config.cors` (and a delegator may return). */
export const ROUTE_KEYS = [
  'origin', 'methods', 'allowedHeaders', 'exposedHeaders', 'credentials', 'maxAge', 'cacheControl',
  'optionsSuccessStatus', 'preflightContinue', 'strictPreflight',
  'dangerouslyTolerateSubdomainsOfPublicSuffixes', 'dangerouslyTolerateInsecureOrigins', 'dangerouslyTolerateUnsafeRegExps',
  'dangerouslyTolerateAnyOriginWithCredentials'
] as const

/** Every plugin option: the route options and the registration settings. */
export const PLUGIN_KEYS = [...ROUTE_KEYS, 'preflight', 'hideOptionsRoute', 'logLevel', 'hook', 'delegator', 'handle'] as const

/** What each option accepts, in words, for error messages. */
export const EXPECTED: Readonly<Record<typeof PLUGIN_KEYS[number], string>> = {
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
  dangerouslyTolerateAnyOriginWithCredentials: 'true or false',
  hideOptionsRoute: 'true or false',
  logLevel: `one of ${LOG_LEVELS.map((level) => `'${level}'`).join(', ')}`,
  hook: `one of ${HOOKS.map((hook) => `'${hook}'`).join(', ')}`,
  delegator: '(request, callback) => void, async (request) => options, or (request) => options',
  handle: 'a handle made by createCorsHandle(), to reconfigure this registration at runtime'
}
