// What RegExp origins really cost: every RegExp of test/fixtures/origin-regexps.json is run on
// crafted well-formed origins (the only inputs the plugin ever gives it) up to 512 characters,
// and timed; this is the measurement the plugin's analysis is checked against. It also times the
// analysis itself (a registration with the RegExp, through the public reconfigure API) and, when
// they are installed (`npm install --no-save safe-regex2 redos-detector recheck`), compares the
// verdicts of those analysers. Usage: npm run bench:regexp [-- --json]
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const corpus = JSON.parse(readFileSync(new URL('../test/fixtures/origin-regexps.json', import.meta.url), 'utf8'))
const MAX_LENGTH = 512
const SLOW_MS = 20
const LENGTHS = [16, 20, 24, 28, 32, 40, 48, 64, 96, 128, 192, 256, 384, 512]
const WELL_FORMED = /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9._~-]+|\[[0-9a-f:.]+\])(?::[1-9][0-9]{0,4})?$/

/** Literal text of the RegExp: its prefix after ^, and the words in it (escapes undone). */
function literals (source) {
  const text = source.replace(/\\([/.\-:])/g, '$1')
  const prefix = /^\^?([a-z][a-z0-9+.-]*:\/\/[a-z0-9.-]*)/.exec(text)?.[1]
  const words = [...new Set(text.match(/[a-z0-9][a-z0-9.-]*[a-z0-9-]/g) ?? [])].slice(0, 12)
  return { prefix, words }
}

/** Inputs of one shape: a prefix, one piece repeated, an end; each is grown until it is slow. */
function shapes (source) {
  const { prefix, words } = literals(source)
  const prefixes = [...new Set(['https://', 'http://', ...(prefix === undefined ? [] : [prefix])])]
  const pieces = new Set(['a', '0', '-', '.', '_', '~', 'a-', 'a.', '-a', '.a', 'a0', 'aa', '0-', '--'])
  for (const word of words) for (const piece of [word, `${word}-`, `${word}.`, `-${word}`, `.${word}`, word.slice(1)]) if (piece !== '') pieces.add(piece)
  const ends = ['', '~', '_', '-', '.', '0', 'a', ':1', '.x']
  const out = []
  for (const start of prefixes) for (const piece of pieces) for (const end of ends) out.push({ start, piece, end })
  return out
}

function input ({ start, piece, end }, length) {
  const body = (start + piece.repeat(Math.ceil(length / piece.length))).slice(0, length - end.length)
  return body + end
}

function time (regexp, text, repeat) {
  let best = Infinity
  for (let i = 0; i < repeat; i++) {
    const begin = process.hrtime.bigint()
    regexp.test(text)
    best = Math.min(best, Number(process.hrtime.bigint() - begin) / 1e6)
  }
  return best
}

/** The worst time found at 512 characters, or the first input found slow (and how slow it gets). */
function measure ({ source, flags }) {
  const regexp = new RegExp(source, flags.replace(/[gy]/g, ''))
  let worst = { ms: 0, text: '' }
  for (const shape of shapes(source)) {
    for (const length of LENGTHS) {
      const text = input(shape, length)
      if (!WELL_FORMED.test(text)) break
      const ms = time(regexp, text, length === MAX_LENGTH ? 3 : 1)
      if (ms > SLOW_MS) return { slow: true, ms, length: text.length, text }
      if (length === MAX_LENGTH && ms > worst.ms) worst = { ms, text }
    }
  }
  return { slow: false, ms: worst.ms, length: MAX_LENGTH, text: worst.text }
}

/** Registration cost of one RegExp: reconfigure with it, minus reconfigure with a plain origin (medians). */
async function registrationCost (entries) {
  const { default: Fastify } = await import('fastify')
  const { default: corsPlugin, createCorsHandle } = await import('../dist/index.mjs')
  const handle = createCorsHandle()
  const app = Fastify()
  await app.register(corsPlugin, { origin: 'https://a.example', handle })
  await app.ready()
  const median = (options) => {
    const samples = []
    for (let i = 0; i < 15; i++) {
      const begin = process.hrtime.bigint()
      try { handle.reconfigure(options) } catch {}
      samples.push(Number(process.hrtime.bigint() - begin) / 1e6)
    }
    return samples.sort((a, b) => a - b)[7]
  }
  const baseline = median({ origin: ['https://a.example'] })
  const costs = entries.map((entry) => Math.max(0, median({ origin: [new RegExp(entry.source, entry.flags)] }) - baseline))
  await app.close()
  return costs
}

async function otherAnalysers (entries) {
  const verdicts = {}
  const load = async (name) => { try { return await import(name) } catch { return null } }
  const safeRegex = await load('safe-regex2')
  if (safeRegex !== null) verdicts['safe-regex2'] = entries.map((entry) => timed(() => (safeRegex.default(new RegExp(entry.source, entry.flags)) ? 'accepts' : 'refuses')))
  const redos = await load('redos-detector')
  if (redos !== null) verdicts['redos-detector'] = entries.map((entry) => timed(() => (redos.isSafe(new RegExp(entry.source, entry.flags), { timeout: 2000 }).safe ? 'accepts' : 'refuses')))
  const recheck = await load('recheck')
  if (recheck !== null) {
    verdicts.recheck = entries.map((entry) => timed(() => {
      const result = recheck.checkSync(entry.source, entry.flags, { timeout: 10000 })
      return result.status === 'safe' ? 'accepts' : `refuses (${result.complexity?.type ?? result.status}${result.complexity?.degree === undefined ? '' : ` ${result.complexity.degree}`})`
    }))
  }
  return verdicts
}

function timed (run) {
  const begin = process.hrtime.bigint()
  const verdict = run()
  return { verdict, ms: Number(process.hrtime.bigint() - begin) / 1e6 }
}

/** Runs `measure` for one entry in a child process, killed after `limit` ms (a RegExp can block for hours). */
function measured (index, limit = 60000) {
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', String(index)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ slow: true, ms: limit, length: 0, text: '(killed)' }) }, limit)
    child.once('message', (result) => { clearTimeout(timer); child.kill(); resolve(result) })
  })
}

if (process.argv[2] === '--child') {
  process.send(measure(corpus[Number(process.argv[3])]))
} else {
  const { default: corsPlugin } = await import('../dist/index.mjs')
  const { default: Fastify } = await import('fastify')
  const rows = []
  const costs = await registrationCost(corpus)
  const others = await otherAnalysers(corpus)
  for (const [index, entry] of corpus.entries()) {
    const app = Fastify()
    let accepted = true
    try {
      await app.register(corsPlugin, { origin: [new RegExp(entry.source, entry.flags)] })
      await app.ready()
    } catch (error) {
      if (error.code !== 'FST_CORS_INVALID_OPTIONS') throw error
      accepted = false
    }
    await app.close()
    rows.push({ ...entry, accepted, measured: await measured(index), registrationMs: costs[index], others: Object.fromEntries(Object.entries(others).map(([name, list]) => [name, list[index]])) })
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(rows, null, 2))
  } else {
    const names = Object.keys(others)
    const show = (ms) => (ms < 0.01 ? '<0.01' : ms.toFixed(2))
    console.log(`| RegExp | measured worst (ms, well-formed origin) | fastify-corsica | analysis (ms) |${names.map((name) => ` ${name} |`).join('')}`)
    console.log(`|---|---|---|---|${names.map(() => '---|').join('')}`)
    for (const row of rows) {
      const worst = row.measured.slow ? `**${show(row.measured.ms)} at ${row.measured.length} chars** (\`${row.measured.text.slice(0, 40)}${row.measured.text.length > 40 ? '…' : ''}\`)` : `${show(row.measured.ms)} at 512`
      console.log(`| \`/${row.source}/${row.flags}\` | ${worst} | ${row.accepted ? 'accepts' : '**refuses**'} | ${show(row.registrationMs)} |${names.map((name) => ` ${row.others[name].verdict} (${show(row.others[name].ms)} ms) |`).join('')}`)
    }
    const accepted = rows.filter((row) => row.accepted)
    const worstAccepted = Math.max(...accepted.map((row) => (row.measured.slow ? Infinity : row.measured.ms)))
    console.log(`\n${rows.length} RegExps; accepted ${accepted.length}, the slowest of them ${show(worstAccepted)} ms on a 512-character origin; refused ${rows.length - accepted.length}, of which slow (> ${SLOW_MS} ms on some input, or over 1 ms at 512): ${rows.filter((row) => !row.accepted && (row.measured.slow || row.measured.ms > 1)).length}`)
    const sorted = costs.slice().sort((a, b) => a - b)
    console.log(`analysis at registration: median ${show(sorted[Math.floor(sorted.length / 2)])} ms, max ${show(sorted[sorted.length - 1])} ms per RegExp`)
  }
}
