// The options every implementation gets, and the requests each scenario sends.
export const ALLOWED = 'https://app1.example'
const THREE = [ALLOWED, 'https://app2.example', 'https://app3.example']
const THOUSAND = [...Array.from({ length: 999 }, (_, i) => `https://tenant${i}.example`), ALLOWED]
const TEN_THOUSAND = [...Array.from({ length: 9999 }, (_, i) => `https://tenant${i}.example`), ALLOWED]
const TEN_THOUSAND_SET = new Set(TEN_THOUSAND)
const PATTERNS = Array.from({ length: 50 }, (_, i) => `https://*.tenant${i}.example`)
const PATTERN_REGEXPS = Array.from({ length: 50 }, (_, i) => new RegExp(`^https://[a-z0-9-]+(\\.[a-z0-9-]+)*\\.tenant${i}\\.example$`))
const PATTERN_ORIGIN = 'https://shop.tenant49.example'

const common = { credentials: true, methods: ['GET', 'POST', 'PUT', 'DELETE'], maxAge: 600, exposedHeaders: ['X-Total-Count'] }

function scenario (options, request, extra = {}) {
  return { options: () => ({ ...common, ...options() }), request, handOrigins: THREE, ...extra }
}

const get = (headers = {}) => ({ method: 'GET', path: '/items', headers })
const preflight = (path, origin, method) => ({
  method: 'OPTIONS',
  path,
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type,x-request-id' }
})

export const SCENARIOS = {
  'allowed GET': scenario(() => ({ origin: THREE }), get({ origin: ALLOWED })),
  'preflight with ACRH': scenario(() => ({ origin: THREE }), preflight('/items', ALLOWED, 'PUT')),
  'GET without Origin': scenario(() => ({ origin: THREE }), get()),
  'GET from a denied origin': scenario(() => ({ origin: THREE }), get({ origin: 'https://evil.example' })),
  'override route GET': scenario(() => ({ origin: THREE }), { method: 'GET', path: '/override', headers: { origin: 'https://override.example' } }),
  'override route preflight': scenario(() => ({ origin: THREE }), preflight('/override', 'https://override.example', 'PUT')),
  // The large lists also run 'corsica-3': fastify-corsica with a list of 3 that allows the same
  // origin, in the same rounds, to show that the lookup does not grow with the list.
  // It also runs 'corsica-import': fastify-corsica loaded by app.register(import(...)) after the
  // app exists, as Fastify's docs show; compiling 1,000 origins then is what once slowed nextTick.
  '1,000 origins GET': scenario(() => ({ origin: THOUSAND }), get({ origin: ALLOWED }), { handOrigins: THOUSAND, threeOrigins: THREE, importVariant: true }),
  '50 patterns GET': scenario(() => ({ origin: PATTERNS }), get({ origin: PATTERN_ORIGIN }), {
    // The floor matches the same 50 patterns by hand: a Set of base domains, tried at each dot of the host.
    handOrigins: null,
    handPatternBases: Array.from({ length: 50 }, (_, i) => `tenant${i}.example`),
    threeOrigins: [PATTERN_ORIGIN, 'https://app2.example', 'https://app3.example'],
    // @fastify/cors has no wildcard strings: the equivalent RegExps are what its users write.
    fastifyCorsOptions: () => ({ ...common, origin: PATTERN_REGEXPS })
  }),
  // The floor awaits the same async function before deciding, as the plugins do.
  'async origin function GET': scenario(() => ({ origin: async (origin) => THREE.includes(origin) }), get({ origin: ALLOWED }), { handAsync: true }),
  // A delegator returning 10,000 origins, as one object kept for every request or as a fresh object
  // around one kept list; 'corsica-3' returns 3 origins the same way (issue 24: about the same cost).
  // The floor awaits a promise too, then looks the origin up in a Set.
  'delegator, same object, 10,000 origins GET': delegated(() => { const same = { origin: TEN_THOUSAND }; return async () => same }, () => { const same = { origin: THREE }; return async () => same }),
  'delegator, fresh object, 10,000 origins GET': delegated(() => async () => ({ origin: TEN_THOUSAND }), () => async () => ({ origin: THREE }))
}

function delegated (large, three) {
  return scenario(() => ({ delegator: large() }), get({ origin: ALLOWED }), {
    handAsync: true,
    handAllowed: async (origin) => TEN_THOUSAND_SET.has(origin),
    threeOptions: () => ({ ...common, delegator: three() })
  })
}

// The implementations each scenario runs.
export const IMPLEMENTATIONS = ['bare', 'hand', 'fastify-cors', 'corsica']

export function implementationsOf (name) {
  const scenario = SCENARIOS[name]
  return [
    ...IMPLEMENTATIONS,
    ...(scenario.threeOrigins === undefined && scenario.threeOptions === undefined ? [] : ['corsica-3']),
    ...(scenario.importVariant === true ? ['corsica-import'] : [])
  ]
}
