// ESM entry: the very same plugin object as the CommonJS build, so both share one state.
import corsPlugin from './index.js'

export default corsPlugin
export const { CorsConfigError, errorCodes, warningCodes, createCorsHandle } = corsPlugin
export { corsPlugin }
export type {
  CorsOptions,
  RouteCorsOptions,
  StaticOrigin,
  OriginFunction,
  OriginCallback,
  CorsDelegator,
  DelegatorCallback,
  CorsHook
} from './config/schema.js'
export type { ConfigIssue } from './config/compiled.js'
export type { CorsHandle } from './handle.js'
