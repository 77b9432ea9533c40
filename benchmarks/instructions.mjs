// npm run bench:instructions -- <implementation> <scenario> [warm-up] [measured]
// Counts the CPU instructions one benchmark server spends per request, with valgrind's
// callgrind: deterministic, unlike requests/s on a shared machine, so differences of a few
// hundred instructions (under 1%) can be compared. The server runs under valgrind with
// instrumentation off, is warmed up by three loads with fresh connections each (the JIT only
// settles after a second set of connections), then instrumentation is switched on for the
// measured requests only. A process now and then lands in a slow state (+50%); run twice.
// KEEP_CALLGRIND=1 keeps the callgrind output (its folder is printed) for callgrind_annotate.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { IMPLEMENTATIONS, SCENARIOS } from './scenarios.mjs'

const [implementation, scenario, warm = '15000', measured = '10000'] = process.argv.slice(2)
if (!IMPLEMENTATIONS.includes(implementation) || SCENARIOS[scenario] === undefined) {
  process.stderr.write(`usage: npm run bench:instructions -- <${IMPLEMENTATIONS.join('|')}> <scenario> [warm-up requests] [measured requests]\nscenarios: ${Object.keys(SCENARIOS).join(', ')}\n`)
  process.exit(2)
}

const dir = mkdtempSync(join(tmpdir(), 'corsica-callgrind-'))
const server = new URL('./server.mjs', import.meta.url).pathname
const child = spawn('valgrind', [
  '--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${join(dir, 'out')}`,
  process.execPath, server, implementation, scenario
], { stdio: ['ignore', 'pipe', 'ignore', 'ipc'] })
const [chunk] = await once(child.stdout, 'data')
const port = Number(String(chunk).trim())

async function fire (amount) {
  const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: 4, amount, timeout: 60, requests: [SCENARIOS[scenario].request] })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx responses and ${result.errors} errors`)
}

try {
  for (let i = 0; i < 3; i++) await fire(Number(warm))
  execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' })
  await fire(Number(measured))
  execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { stdio: 'ignore' })
} finally {
  child.kill('SIGTERM')
  await once(child, 'exit')
}

// One file per thread or dump; the totals line of each holds its instruction count.
let total = 0
for (const file of readdirSync(dir)) total += Number(/^totals: (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'))?.[1] ?? 0)
if (process.env.KEEP_CALLGRIND) process.stderr.write(`kept ${dir}\n`); else rmSync(dir, { recursive: true, force: true })
process.stdout.write(`${implementation} | ${scenario} | ${Math.round(total / Number(measured))} instructions per request\n`)
