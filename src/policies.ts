import { routePolicy, type RoutePolicy } from './config/compiled.js'
import { CorsNotReadyError } from './config/errors.js'
import type { ServerRoutes } from './routing/registry.js'
import type { RouteRecord } from './routing/route-table.js'

/** `app.printCorsPolicies()`: every route's effective policy in the state in force (after `reconfigure` too), by URL (docs/behaviour.md §9). */
export function printCorsPolicies (routes: ServerRoutes): string {
  if (!routes.ready) throw new CorsNotReadyError('printCorsPolicies() shows the routes as they are once the app is ready: call it after `await app.ready()`')
  const records = routes.table.records().filter((record) => !record.entry.catchAll)
  const named = records.map((record) => ({ record, name: `${record.methods.join(', ')} ${record.url}${constraintsOf(record)}` }))
  named.sort((a, b) => a.record.url.localeCompare(b.record.url) || a.name.localeCompare(b.name))
  const lines = named.flatMap(({ record, name }) => describe(name, routePolicy(record.entry.owner.state, record.cors), record.cors, record.autoMethods))
  if (routes.first !== null) lines.push(...describe('(no route: 404s)', routes.first.state.unrouted, undefined, ''))
  return `${lines.join('\n')}\n`
}

function constraintsOf ({ host, derived }: RouteRecord): string {
  return `${host === undefined ? '' : ` (host ${String(host)})`}${derived ? ' (version or custom constraint)' : ''}`
}

function describe (name: string, { policy }: RoutePolicy, cors: unknown, autoMethods: string): string[] {
  const source = policy.perRequest !== null ? `delegator: decided per request, over ${cors === undefined ? 'the plugin options' : "the route's config.cors"}` : cors === undefined ? 'plugin options' : cors === false ? 'cors: false' : 'route override'
  if (!policy.enabled) return [`${name}  [${source}]`, '  CORS off: no CORS headers, preflights refused']
  const { origin } = policy
  const origins = origin.kind === 'any' ? '*' : origin.kind === 'fixed' ? origin.value : origin.kind === 'reflect' ? 'any, reflected (origin: true)' : origin.kind === 'match' ? origin.items.join(', ') : 'decided per request (origin function)'
  return [
    `${name}  [${source}]`,
    `  origin          ${origins}`,
    `  methods         ${policy.allowMethods ?? `auto: ${autoMethods === '' ? 'none routed' : autoMethods}`}`,
    `  allowedHeaders  ${policy.allowHeaders === null ? '(the requested ones, reflected)' : policy.allowHeaders === '' ? '(none)' : policy.allowHeaders}`,
    `  exposedHeaders  ${policy.exposeHeaders ?? '(none)'}`,
    `  credentials     ${String(policy.credentials)}`,
    `  maxAge          ${policy.maxAge ?? '(not sent)'}`
  ]
}
