import type { FastifyReply } from 'fastify'
import vary from 'vary'

/** Appends a field to Vary without losing what is there, through the public reply API (docs/behaviour.md §3.4). */
export function addVary (reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary')
  reply.header('vary', current === undefined ? field : vary.append(String(current), field))
}
