import { executionAsyncResource } from 'node:async_hooks'

/**
 * One of Node's `process.nextTick` objects, kept alive for the life of the process.
 *
 * Node builds each tick with an object literal that starts with computed keys
 * (`{ [async_id_symbol]: ..., [trigger_async_id_symbol]: ..., callback, args }`). V8's
 * optimized nextTick expects the hidden class it recorded for that literal, and holds it only
 * weakly: when a full garbage collection runs while no tick object is alive, the class is
 * collected, the next tick gets a new one, and V8 gives up on the site for good. From then on
 * every nextTick (several per request in Node's HTTP server) goes through V8's runtime
 * (Runtime_DefineKeyedOwnPropertyInLiteral) and the server answers ~17% fewer requests per
 * second. Loading this package and compiling a long origin list after the app was created
 * (`app.register(import('fastify-corsica'), { origin: <1,000 origins> })`) allocates enough to
 * run such a collection at such a moment: measured, every server did. A tick object that stays
 * alive keeps the class alive, so it is taken from the first tick after this module loads
 * (the tick waits in Node's queue, alive, while the rest of the package loads).
 */
let kept: object | undefined

process.nextTick(() => {
  kept = executionAsyncResource()
})

/** The tick object kept alive (undefined until the first tick after loading). */
export function keptTick (): object | undefined {
  return kept
}
