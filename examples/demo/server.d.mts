// Types for the demo's server module, used by the browser suite that clicks through the demo.
export interface Demo {
  readonly pageUrl: string
  readonly apiOrigin: string
  readonly deniedFrameUrl: string
  internalDeletes (): number
  /** The API's app.printCorsPolicies(). */
  policies (): string
  close (): Promise<unknown>
}

export function startDemo (options?: { apiPort?: number, pagePort?: number, quiet?: boolean }): Promise<Demo>
