// ESM entry: the very same plugin object as the CommonJS build, so both share one state.
import corsPlugin from './index.js'

export default corsPlugin
export const { CorsConfigError, errorCodes, warningCodes, createCorsHandle, frameworkErrors } = corsPlugin
export { corsPlugin }
export type * from './config/types.js'
export type { ConfigIssue } from './config/compiled.js'
export type { CorsDecision, ReasonCode } from './request/explain.js'
