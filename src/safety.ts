import type { ConfigIssue } from './errors.js'
import type { ConfigWarning, ListedOrigin } from './origin.js'

/**
 * The refusals and warnings a careful CORS library makes about the origins and headers it is
 * configured with (docs/behaviour.md §2.4). Each refusal names its opt-out, where one exists.
 * The Public Suffix List (tldts) and the RegExp checker (safe-regex2) are loaded only when
 * the options hold wildcard patterns or RegExps.
 */

/** Opt-outs of the refusals, as written in the options. */
export interface Tolerances {
  readonly dangerouslyTolerateSubdomainsOfPublicSuffixes?: boolean
  readonly dangerouslyTolerateInsecureOrigins?: boolean
  readonly dangerouslyTolerateUnsafeRegExps?: boolean
}

export const PUBLIC_SUFFIX_WILDCARD = 'FST_CORS_PUBLIC_SUFFIX_WILDCARD'
export const REFLECTED_HEADERS_WITH_CREDENTIALS = 'FST_CORS_REFLECTED_HEADERS_WITH_CREDENTIALS'

/** Loopback hosts: a network attacker cannot answer for them, so `http://` is fine there. */
function isLoopback (host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

type PublicSuffixSection = 'ICANN' | 'private'

/** The section of the Public Suffix List `host` is a public suffix in, or null when it is not one. */
function publicSuffixSection (host: string): PublicSuffixSection | null {
  // Loaded on first use: only options with wildcard patterns need the list (~130 KB).
  const { parse } = require('tldts') as typeof import('tldts')
  const parsed = parse(host, { allowPrivateDomains: true })
  if (parsed.publicSuffix !== host) return null
  if (parsed.isIcann === true) return 'ICANN'
  return parsed.isPrivate === true ? 'private' : null
}

/** False when the RegExp has nested or overlapping quantifiers that can take exponential time. */
function isSafeRegExp (regexp: RegExp): boolean {
  const safeRegex = require('safe-regex2') as typeof import('safe-regex2')
  return safeRegex(regexp)
}

/** Checks the origins the options list against `credentials` and the opt-outs. */
export function checkListedOrigins (listed: readonly ListedOrigin[], credentials: boolean, tolerate: Tolerances, issues: ConfigIssue[], warnings: ConfigWarning[]): void {
  for (const item of listed) {
    if (item.kind === 'regexp') {
      if (tolerate.dangerouslyTolerateUnsafeRegExps !== true && !isSafeRegExp(item.regexp)) {
        issues.push({ path: item.path, message: `the RegExp ${String(item.regexp)} has nested or overlapping quantifiers, so one crafted Origin can keep the server busy for seconds; rewrite it without them (e.g. [a-z0-9-]+ for a label), list the origins or use a wildcard pattern, or set dangerouslyTolerateUnsafeRegExps: true` })
      }
      continue
    }
    if (credentials && item.scheme === 'http' && !isLoopback(item.host) && tolerate.dangerouslyTolerateInsecureOrigins !== true) {
      issues.push({ path: item.path, message: `${JSON.stringify(item.raw)} is an insecure (http) origin and credentials is true: anyone on the network path can answer for it and read credentialed responses; use https, or set dangerouslyTolerateInsecureOrigins: true` })
    }
    if (item.subdomains && tolerate.dangerouslyTolerateSubdomainsOfPublicSuffixes !== true) {
      const section = publicSuffixSection(item.host)
      if (section === null) continue
      const why = `${JSON.stringify(item.raw)} allows every site under '${item.host}', a public suffix (${section} section of the Public Suffix List): anyone can register a site there`
      if (credentials) {
        issues.push({ path: item.path, message: `${why}, and credentials is true; list your own sites, or set dangerouslyTolerateSubdomainsOfPublicSuffixes: true` })
      } else {
        warnings.push({ code: PUBLIC_SUFFIX_WILDCARD, message: `${item.path}: ${why}; list your own sites (set dangerouslyTolerateSubdomainsOfPublicSuffixes: true to silence this)` })
      }
    }
  }
}

/**
 * Forbidden request-header names (Fetch standard): a browser never lets a page set them, so
 * listing one in allowedHeaders is a mistake. `Proxy-` and `Sec-` prefixes are forbidden too,
 * and so are the `Access-Control-` names, which are response headers (or set by the browser).
 */
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'accept-charset', 'accept-encoding', 'access-control-request-headers', 'access-control-request-method',
  'connection', 'content-length', 'cookie', 'cookie2', 'date', 'dnt', 'expect', 'host', 'keep-alive',
  'origin', 'referer', 'set-cookie', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'via'
])

/** Why `name` can never be in a browser's request, or null when it can. */
export function forbiddenRequestHeader (name: string): string | null {
  const lower = name.toLowerCase()
  if (lower.startsWith('access-control-')) return 'an Access-Control- name, which pages cannot send (the browser sets the request ones, the others are response headers)'
  if (FORBIDDEN_REQUEST_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) return 'a forbidden request-header name in the Fetch standard: browsers never let a page send it'
  return null
}
