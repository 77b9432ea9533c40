import type { Registration } from './registration.js'
import type { CorsOptions } from './schema.js'

/**
 * Changes a registration's options at runtime (docs/behaviour.md §8). Made by
 * `createCorsHandle()`, passed as the `handle` option of one registration.
 */
export interface CorsHandle {
  /**
   * Replaces the registration's options, validated like registration options; throws the same
   * coded error (every problem listed) and leaves the running policy untouched when they are
   * invalid. `hook`, `preflight`, `hideOptionsRoute` and `logLevel` may be left out (kept) but
   * not changed. Requests in flight finish under the options they started with.
   */
  reconfigure: (options: CorsOptions) => void
  /** The options in force, defaults applied; frozen. Mutating the options object given has no effect. */
  readonly options: Readonly<CorsOptions>
}

const bound = new WeakMap<CorsHandle, Registration>()

class Handle implements CorsHandle {
  reconfigure (options: CorsOptions): void {
    registrationOf(this).reconfigure(options)
  }

  get options (): Readonly<CorsOptions> {
    return registrationOf(this).options
  }
}

function registrationOf (handle: CorsHandle): Registration {
  const registration = bound.get(handle)
  if (registration === undefined) throw new Error('fastify-corsica: this handle is not bound yet: pass it as the handle option of a registration, and wait for the plugin to load')
  return registration
}

/** A handle to pass as the `handle` option: `const cors = createCorsHandle()`. */
export function createCorsHandle (): CorsHandle {
  return new Handle()
}

/** Binds a handle to the registration it was passed to; a handle serves one registration. */
export function bindHandle (handle: CorsHandle, registration: Registration): string | null {
  if (!(handle instanceof Handle)) return 'is not a handle made by createCorsHandle()'
  if (bound.has(handle)) return 'is already bound to another registration; make one handle per registration'
  bound.set(handle, registration)
  return null
}
