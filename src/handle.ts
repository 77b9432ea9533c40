import { CorsHandleNotBoundError } from './config/errors.js'
import type { CorsHandle, CorsOptions } from './config/types.js'
import type { Registration } from './registration.js'

/** A handle; it serves the one registration it is passed to (docs/behaviour.md §8.1). */
class Handle implements CorsHandle {
  #registration: Registration | null = null

  reconfigure (options: CorsOptions): void {
    this.registration.reconfigure(options)
  }

  get options (): Readonly<CorsOptions> {
    return this.registration.options
  }

  private get registration (): Registration {
    if (this.#registration === null) throw new CorsHandleNotBoundError('this handle is not bound yet: pass it as the handle option of a registration, and wait for the plugin to load')
    return this.#registration
  }

  /** Binds the handle to `registration`; a problem to report at `handle`, or null. */
  bind (registration: Registration): string | null {
    if (this.#registration !== null) return 'is already bound to another registration; make one handle per registration'
    this.#registration = registration
    return null
  }
}

/** A handle to pass as the `handle` option: `const cors = createCorsHandle()`. */
export function createCorsHandle (): CorsHandle {
  return new Handle()
}

/** Binds a handle to the registration it was passed to; a problem to report at `handle`, or null. */
export function bindHandle (handle: CorsHandle, registration: Registration): string | null {
  return handle instanceof Handle ? handle.bind(registration) : 'is not a handle made by createCorsHandle()'
}
