// @ts-nocheck
// Generated from src/schema.ts by `npm run generate` (TypeBox TypeCompiler.Code). Do not edit.
/* eslint-disable */

/** One check per option (docs/behaviour.md §2.3). */
export const optionChecks: Readonly<Record<string, (value: unknown) => boolean>> = {
  origin: (() => {
    function check_CorsOriginItem(value) {
      return (
        (((typeof value === 'string')) || ((typeof value === 'object' && value !== null && !Array.isArray(value)) && (typeof value['source'] === 'string') && (typeof value['flags'] === 'string')) || (Array.isArray(value) && ((array) => { for(const value of array) if(!((check_CorsOriginItem(value)))) { return false }; return true; })(value)))
      )
    }
    return function check(value) {
      return (
        (((((typeof value === 'boolean')) || (check_CorsOriginItem(value)))) || ((typeof value === 'function')))
      )
    }
  })(),
  methods: (() => {
    return function check(value) {
      return (
        (((typeof value === 'string')) || (Array.isArray(value) && ((array) => { for(const value of array) if(!(((typeof value === 'string')))) { return false }; return true; })(value)))
      )
    }
  })(),
  allowedHeaders: (() => {
    return function check(value) {
      return (
        (((typeof value === 'string')) || (Array.isArray(value) && ((array) => { for(const value of array) if(!(((typeof value === 'string')))) { return false }; return true; })(value)))
      )
    }
  })(),
  exposedHeaders: (() => {
    return function check(value) {
      return (
        (((typeof value === 'string')) || (Array.isArray(value) && ((array) => { for(const value of array) if(!(((typeof value === 'string')))) { return false }; return true; })(value)))
      )
    }
  })(),
  credentials: (() => {
    return function check(value) {
      return (
        (typeof value === 'boolean')
      )
    }
  })(),
  maxAge: (() => {
    return function check(value) {
      return (
        Number.isInteger(value) &&
        value >= 0
      )
    }
  })(),
  cacheControl: (() => {
    return function check(value) {
      return (
        ((Number.isInteger(value) && value >= 0) || ((typeof value === 'string')))
      )
    }
  })(),
  optionsSuccessStatus: (() => {
    return function check(value) {
      return (
        Number.isInteger(value) &&
        value <= 299 &&
        value >= 200
      )
    }
  })(),
  preflightContinue: (() => {
    return function check(value) {
      return (
        (typeof value === 'boolean')
      )
    }
  })(),
  strictPreflight: (() => {
    return function check(value) {
      return (
        (typeof value === 'boolean')
      )
    }
  })(),
  dangerouslyTolerateSubdomainsOfPublicSuffixes: (() => {
    return function check(value) {
      return (
        (typeof value === 'boolean')
      )
    }
  })(),
  dangerouslyTolerateInsecureOrigins: (() => {
    return function check(value) {
      return (
        (typeof value === 'boolean')
      )
    }
  })(),
  dangerouslyTolerateUnsafeRegExps: (() => {
    return function check(value) {
      return (
        (typeof value === 'boolean')
      )
    }
  })(),
  dangerouslyTolerateAnyOriginWithCredentials: (() => {
    return function check(value) {
      return (
        (typeof value === 'boolean')
      )
    }
  })(),
  preflight: (() => {
    return function check(value) {
      return (
        (typeof value === 'boolean')
      )
    }
  })(),
  hideOptionsRoute: (() => {
    return function check(value) {
      return (
        (typeof value === 'boolean')
      )
    }
  })(),
  logLevel: (() => {
    return function check(value) {
      return (
        (((value === 'fatal')) || ((value === 'error')) || ((value === 'warn')) || ((value === 'info')) || ((value === 'debug')) || ((value === 'trace')) || ((value === 'silent')))
      )
    }
  })(),
  hook: (() => {
    return function check(value) {
      return (
        (((value === 'onRequest')) || ((value === 'preParsing')) || ((value === 'preValidation')) || ((value === 'preHandler')) || ((value === 'preSerialization')) || ((value === 'onSend')))
      )
    }
  })(),
  delegator: (() => {
    return function check(value) {
      return (
        (typeof value === 'function')
      )
    }
  })(),
  handle: (() => {
    return function check(value) {
      return (
        (typeof value === 'object' && value !== null && !Array.isArray(value)) &&
        (typeof value['reconfigure'] === 'function')
      )
    }
  })(),
}

/** What an origin function may resolve to. */
export const checkStaticOrigin: (value: unknown) => boolean = (() => {
  function check_CorsOriginItem(value) {
    return (
      (((typeof value === 'string')) || ((typeof value === 'object' && value !== null && !Array.isArray(value)) && (typeof value['source'] === 'string') && (typeof value['flags'] === 'string')) || (Array.isArray(value) && ((array) => { for(const value of array) if(!((check_CorsOriginItem(value)))) { return false }; return true; })(value)))
    )
  }
  return function check(value) {
    return (
      (((typeof value === 'boolean')) || (check_CorsOriginItem(value)))
    )
  }
})()
