import type { FastifyInstance } from 'fastify'

/**
 * A warning about the configuration, given once: through `process.emitWarning` with a code,
 * so it is seen with Fastify's logger off, and through the instance's logger.
 */
export function warn (instance: FastifyInstance, code: string, message: string): void {
  process.emitWarning(`fastify-corsica: ${message}`, { code })
  instance.log.warn(`fastify-corsica: ${message}`)
}
