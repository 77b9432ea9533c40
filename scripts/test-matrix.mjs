// npm run test:matrix: the unit tests (routing property, compat and migration tests included)
// against the oldest Fastify 5 the peer range claims, 5.7.0 (the first that reports
// `routerOptions.caseSensitive`; 5.5 and 5.6 are outside the peer range, docs/behaviour.md §5.3)
// and the installed one. The older ones are npm aliases in devDependencies; the tests build
// their apps with the Fastify FASTIFY_PACKAGE names (test/helpers/fastify.ts). Coverage is
// checked by `npm test` only.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const packages = ['fastify-5-0', 'fastify-5-7', 'fastify']
const results = []
for (const name of packages) {
  const { version } = require(`${name}/package.json`)
  process.stdout.write(`\n# Fastify ${version} (${name})\n`)
  const run = spawnSync('npx', ['tap', '--disable-coverage', '-R', 'terse', 'test/*.test.ts'], {
    stdio: 'inherit',
    shell: true,
    env: { ...process.env, FASTIFY_PACKAGE: name }
  })
  results.push({ version, passed: run.status === 0 })
}
process.stdout.write(`\n${results.map(({ version, passed }) => `Fastify ${version}: ${passed ? 'passed' : 'FAILED'}`).join('\n')}\n`)
process.exit(results.every(({ passed }) => passed) ? 0 : 1)
