// npm run bench:aa [-- <scenario>...]: checks the instrument. Runs the floor twice and
// fastify-corsica twice (plus bare Fastify) in the same rounds, set up as in run.mjs (one core,
// fresh processes per round, rotating order), and prints how far two identical servers land
// apart next to the corsica-vs-floor gap. If identical servers differ by as much as the gap,
// one run of `npm run bench` cannot decide it.
import { measureEqualRound, median, pct, rotate } from './harness.mjs'
import { SCENARIOS } from './scenarios.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)
const DURATION = Number(process.env.BENCH_DURATION ?? 3)
const names = process.argv.length > 2 ? process.argv.slice(2) : ['preflight with ACRH']
for (const name of names) if (SCENARIOS[name] === undefined) throw new Error(`unknown scenario ${name}; scenarios: ${Object.keys(SCENARIOS).join(', ')}`)
const LIST = ['hand', 'hand', 'corsica', 'corsica', 'bare']

for (const name of names) {
  const rps = LIST.map(() => [])
  let repeated = 0
  for (let round = 0; round < ROUNDS; round++) {
    // The same rounds as run.mjs, with its rule for rounds of unequal CPU shares.
    const order = rotate([...LIST.keys()], round)
    const { measured, attempts } = await measureEqualRound(name, SCENARIOS[name].request, order.map((i) => LIST[i]), DURATION)
    repeated += attempts - 1
    order.forEach((i, k) => rps[i].push(measured[k].rps))
  }
  // Medians, then in parentheses the median of the per-round ratios.
  const compare = (a, b) => `${pct(median(rps[a]) / median(rps[b]))} (${pct(median(rps[a].map((value, r) => value / rps[b][r])))})`
  process.stdout.write(`${name}, ${ROUNDS} rounds (${repeated} repeated for unequal CPU shares): floor vs floor ${compare(1, 0)}, corsica vs corsica ${compare(3, 2)}; corsica vs floor ${compare(2, 0)} and ${compare(3, 1)}\n`)
}
