import type { ConfigIssue, ConfigWarning } from './compiled.js'
import { unanchoredExample, type ListedOrigin } from './origin.js'
import { regexpCost, type RegExpCost } from './regexp-cost.js'

/**
 * The refusals and warnings a careful CORS library makes about the origins and headers it is
 * configured with (docs/behaviour.md §2.4). Each refusal names its opt-out, where one exists.
 * The Public Suffix List (tldts) and the RegExp parser are loaded only when the options hold
 * wildcard patterns or RegExps.
 */

/** Opt-outs of the refusals, as written in the options. */
export interface Tolerances {
  readonly dangerouslyTolerateSubdomainsOfPublicSuffixes?: boolean
  readonly dangerouslyTolerateInsecureOrigins?: boolean
  readonly dangerouslyTolerateUnsafeRegExps?: boolean
  readonly dangerouslyTolerateAnyOriginWithCredentials?: boolean
}

/** What the checks of one set of options need to know besides the origins. */
export interface SafetyContext {
  readonly credentials: boolean
  /** Who set `credentials: true` when these options did not ('the plugin options'), so the fix names it; else null. */
  readonly credentialsFrom: string | null
  readonly tolerate: Tolerances
}

export const PUBLIC_SUFFIX_WILDCARD = 'FST_CORS_PUBLIC_SUFFIX_WILDCARD'
export const REFLECTED_HEADERS_WITH_CREDENTIALS = 'FST_CORS_REFLECTED_HEADERS_WITH_CREDENTIALS'

/** "credentials is true", or where it came from and how to turn it off for these options only. */
export function credentialsClause (context: SafetyContext): string {
  return context.credentialsFrom === null ? 'credentials is true' : `credentials: true comes from ${context.credentialsFrom} (set credentials: false here if these origins need no cookies)`
}

/** The safe forms to name instead of reflecting every origin (docs/behaviour.md §2.4). */
export const SAFE_FORMS = "list the origins (['https://app.example.com']), use wildcard patterns ('https://*.example.com'), or an origin function that decides per request"

/** Loopback hosts: a network attacker cannot answer for them, so `http://` is fine there. */
function isLoopback (host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

type PublicSuffixSection = 'ICANN' | 'private'

/** The section of the Public Suffix List `host` is a public suffix in, or null when it is not one. */
function publicSuffixSection (host: string): PublicSuffixSection | null {
  // Loaded on first use: only options with wildcard patterns or RegExps need the list (~130 KB).
  const { parse } = require('tldts') as typeof import('tldts')
  const parsed = parse(host, { allowPrivateDomains: true })
  if (parsed.publicSuffix !== host) return null
  if (parsed.isIcann === true) return 'ICANN'
  return parsed.isPrivate === true ? 'private' : null
}

// Sites no configuration names: a RegExp that matches one admits sites it does not name.
const UNNAMED_SITES = ['https://corsica-probe.invalid', 'http://corsica-probe.invalid', 'https://corsica-probe.com', 'https://www.corsica-probe.net', 'https://a.corsica-probe.org:8443']
// Labels anyone could register under a public suffix.
const PROBE_LABELS = ['corsica-probe', 'a', 'a-b-c', 'x1', 'a.b']

/** An origin under a public suffix that the RegExp's source names and that the RegExp matches, with the suffix; or null. */
function publicSuffixProbe (regexp: RegExp): { suffix: string, section: PublicSuffixSection, origin: string } | null {
  const names = regexp.source.replace(/\\([./-])/g, '$1').toLowerCase().match(/[a-z0-9-]+(?:\.[a-z0-9-]+)+/g) ?? []
  for (const name of names) {
    const labels = name.split('.')
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.')
      const section = publicSuffixSection(suffix)
      if (section === null) continue
      for (const scheme of ['https', 'http']) {
        for (const label of PROBE_LABELS) {
          const origin = `${scheme}://${label}.${suffix}`
          if (regexp.test(origin)) return { suffix, section, origin }
        }
      }
    }
  }
  return null
}

/** Why a RegExp is refused for what it costs, with the kind of Origin that makes it slow and the fix (docs/behaviour.md §2.4). */
export function slowRegExpMessage (regexp: RegExp, cost: RegExpCost): string {
  const optOut = 'or set dangerouslyTolerateUnsafeRegExps: true'
  if (cost.unanalysable !== undefined) return `the RegExp ${String(regexp)} cannot be checked for what it costs: ${cost.unanalysable}; list the origins or use a wildcard pattern, ${optOut}`
  // Analysed and slow: the analysis always builds an example then.
  const example = `, and an Origin such as '${cost.example as string}' makes it try them all`
  const parts = cost.culprits.map((part) => part === 'no ^ anchor' ? 'the missing ^ (it is tried at every position)' : `'${part}'`)
  if (cost.degree === Infinity) {
    return `the RegExp ${String(regexp)} can take exponential time, seconds for one Origin: ${parts.join(', ')} can match the same characters in more than one way${example}; rewrite it so that each character can be matched one way only (e.g. ([a-z0-9-]+\\.)* with a literal separator instead of nested or overlapping repetitions), list the origins or use a wildcard pattern such as 'https://*.example.com', ${optOut}`
  }
  return `the RegExp ${String(regexp)} takes time growing like the ${cost.degree}th power of the Origin's length (milliseconds for one 512-character Origin): ${parts.join(', ')} can all match the same characters${example}; give each repetition a class that excludes what follows it (e.g. [a-z0-9]+ instead of .*), anchor it with ^, list the origins or use a wildcard pattern, ${optOut}`
}

/** Checks the origins the options list against `credentials` and the opt-outs. */
export function checkListedOrigins (listed: readonly ListedOrigin[], context: SafetyContext, issues: ConfigIssue[], warnings: ConfigWarning[]): void {
  const { credentials, tolerate } = context
  for (const item of listed) {
    if (item.kind === 'regexp') {
      checkRegExp(item.path, item.regexp, context, issues, warnings)
      continue
    }
    if (credentials && item.scheme === 'http' && !isLoopback(item.host) && tolerate.dangerouslyTolerateInsecureOrigins !== true) {
      issues.push({ path: item.path, message: `${JSON.stringify(item.raw)} is an insecure (http) origin and ${credentialsClause(context)}: anyone on the network path can answer for it and read credentialed responses; use https, or set dangerouslyTolerateInsecureOrigins: true` })
    }
    if (item.subdomains && tolerate.dangerouslyTolerateSubdomainsOfPublicSuffixes !== true) {
      const section = publicSuffixSection(item.host)
      if (section === null) continue
      publicSuffixFinding(item.path, `${JSON.stringify(item.raw)} allows every site under '${item.host}', a public suffix (${section} section of the Public Suffix List): anyone can register a site there`, context, issues, warnings)
    }
  }
}

function publicSuffixFinding (path: string, why: string, context: SafetyContext, issues: ConfigIssue[], warnings: ConfigWarning[]): void {
  if (context.credentials) {
    issues.push({ path, message: `${why}, and ${credentialsClause(context)}; list your own sites, or set dangerouslyTolerateSubdomainsOfPublicSuffixes: true` })
  } else {
    warnings.push({ code: PUBLIC_SUFFIX_WILDCARD, message: `${path}: ${why}; list your own sites (set dangerouslyTolerateSubdomainsOfPublicSuffixes: true to silence this)` })
  }
}

/**
 * A RegExp is judged by what it costs on well-formed origins (regexp-cost.ts), then, by probing
 * it with origins of sites it does not name: with credentials, one that admits arbitrary sites or
 * look-alikes of its own text is refused, and one that admits subdomains of a public suffix its
 * source names is treated like the matching wildcard pattern (docs/behaviour.md §2.4).
 */
function checkRegExp (path: string, regexp: RegExp, context: SafetyContext, issues: ConfigIssue[], warnings: ConfigWarning[]): void {
  const { tolerate } = context
  if (tolerate.dangerouslyTolerateUnsafeRegExps !== true) {
    const cost = regexpCost(regexp)
    if (cost.degree >= 3) issues.push({ path, message: slowRegExpMessage(regexp, cost) })
  }
  const probe = new RegExp(regexp.source, regexp.flags.replace(/[gy]/g, ''))
  const suffix = publicSuffixProbe(probe)
  if (suffix !== null) {
    // Sites under a public suffix it names: that finding, or its opt-out, covers it.
    if (tolerate.dangerouslyTolerateSubdomainsOfPublicSuffixes !== true) publicSuffixFinding(path, `the RegExp ${String(regexp)} allows sites under '${suffix.suffix}', a public suffix (${suffix.section} section of the Public Suffix List) where anyone can register one (it matches '${suffix.origin}')`, context, issues, warnings)
    return
  }
  if (!context.credentials || tolerate.dangerouslyTolerateAnyOriginWithCredentials === true) return
  const anchored = regexp.source.startsWith('^') && regexp.source.endsWith('$')
  const unnamed = UNNAMED_SITES.find((origin) => probe.test(origin)) ?? (anchored ? null : unanchoredExample(regexp))
  if (unnamed !== null) {
    issues.push({ path, message: `the RegExp ${String(regexp)} also matches '${unnamed}', a site anyone can set up, and ${credentialsClause(context)}: that site could read credentialed responses; anchor it with ^...$ and name your own hosts (e.g. /^https:\\/\\/([a-z0-9-]+\\.)*example\\.com$/), or ${SAFE_FORMS}; or set dangerouslyTolerateAnyOriginWithCredentials: true` })
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
