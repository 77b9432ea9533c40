// The Fastify the tests build apps with: the installed one, or under `npm run test:matrix` the
// npm alias named by FASTIFY_PACKAGE (an older Fastify 5 installed beside it, e.g. fastify-5-0).
import type FastifyFactory from 'fastify'

const Fastify = require(process.env.FASTIFY_PACKAGE ?? 'fastify') as typeof FastifyFactory
export default Fastify

const version = (require(`${process.env.FASTIFY_PACKAGE ?? 'fastify'}/package.json`) as { version: string }).version.split('.').map(Number)
/** Whether this Fastify reads router settings from `routerOptions` (5.5 and later); older ones read them at the top level only. */
export const hasRouterOptions = version[0] > 5 || (version[0] === 5 && version[1] >= 5)

/** Router settings where this Fastify reads them. */
export function withRouterOptions<T extends object> (settings: T): { routerOptions: T } | T {
  return hasRouterOptions ? { routerOptions: settings } : settings
}
