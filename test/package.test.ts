import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import corsPlugin from '../src/index.js'
import { runNode } from './helpers/node.js'

function run (code: string, type: 'module' | 'commonjs'): string {
  return runNode([`--input-type=${type}`, '-e', code])
}

test('the plugin is wrapped with fastify-plugin metadata for Fastify 5', async (t) => {
  const meta = (corsPlugin as unknown as Record<symbol, unknown>)[Symbol.for('plugin-meta')]
  t.same(meta, { fastify: '5.x', name: 'fastify-corsica' })
  t.equal((corsPlugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')], true)
})

test('the peer range leaves out Fastify 5.5 and 5.6, whose initialConfig does not report routerOptions.caseSensitive (docs/behaviour.md §5.3)', async (t) => {
  const pkg = require('../package.json') as { peerDependencies: { fastify: string } }
  const semver = require('semver') as { satisfies: (version: string, range: string) => boolean }
  for (const version of ['5.0.0', '5.4.0', '5.7.0', '5.12.8']) t.ok(semver.satisfies(version, pkg.peerDependencies.fastify), version)
  for (const version of ['5.5.0', '5.6.2']) t.notOk(semver.satisfies(version, pkg.peerDependencies.fastify), version)
  t.ok(semver.satisfies((require(`${process.env.FASTIFY_PACKAGE ?? 'fastify'}/package.json`) as { version: string }).version, pkg.peerDependencies.fastify), 'the Fastify under test is in it')
})

test('the published types need no TypeBox: only the build-time schema module imports it, and it is not a dependency', async (t) => {
  const pkg = require('../package.json') as { dependencies: Record<string, string>, devDependencies: Record<string, string> }
  t.notOk('@sinclair/typebox' in pkg.dependencies)
  t.ok('@sinclair/typebox' in pkg.devDependencies)
  const src = join(__dirname, '..', 'src')
  const importers = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.m?ts$/.test(file) && /@sinclair\/typebox|\/schema\.js'/.test(readFileSync(join(src, file), 'utf8')))
  t.same(importers, [join('config', 'schema.ts')])
  const build = JSON.parse(readFileSync(join(__dirname, '..', 'tsconfig.build.json'), 'utf8')) as { exclude: string[] }
  t.same(build.exclude, ['src/config/schema.ts'], 'no declaration is emitted for it')
})

test('the source entry is the plugin, with default and corsPlugin pointing at it', async (t) => {
  t.equal(typeof corsPlugin, 'function')
  t.equal(corsPlugin.default, corsPlugin)
  t.equal(corsPlugin.corsPlugin, corsPlugin)
  t.equal(new corsPlugin.errorCodes.FST_CORS_INVALID_OPTIONS('x').code, 'FST_CORS_INVALID_OPTIONS')
})

test("require('fastify-corsica') returns the plugin itself", async (t) => {
  const out = run(`
    const p = require('fastify-corsica')
    console.log([typeof p, p.default === p, p.corsPlugin === p, p[Symbol.for('plugin-meta')].name].join(' '))
  `, 'commonjs')
  t.equal(out, 'function true true fastify-corsica')
})

test("import from 'fastify-corsica' gives the same plugin as default and named export", async (t) => {
  const out = run(`
    import corsPlugin, { corsPlugin as named, errorCodes } from 'fastify-corsica'
    import { createRequire } from 'node:module'
    const required = createRequire(import.meta.url)('fastify-corsica')
    console.log([typeof corsPlugin, corsPlugin === named, corsPlugin === required, new errorCodes.FST_CORS_INVALID_OPTIONS('x').code].join(' '))
  `, 'module')
  t.equal(out, 'function true true FST_CORS_INVALID_OPTIONS')
})

test('the built plugin registers and answers in an ESM app', async (t) => {
  const out = run(`
    import Fastify from 'fastify'
    import corsPlugin from 'fastify-corsica'
    const app = Fastify()
    await app.register(corsPlugin, { origin: 'https://a.example' })
    app.get('/', async () => 'ok')
    const res = await app.inject({ url: '/', headers: { origin: 'https://a.example' } })
    console.log(res.headers['access-control-allow-origin'])
  `, 'module')
  t.equal(out, 'https://a.example')
})

test('loading the package changes nothing outside it: no TypeBox registry entry, no pending tick or listener', async (t) => {
  const out = runNode(['-e', `
    const { TypeRegistry } = require('@sinclair/typebox')
    const entries = TypeRegistry.Entries().size
    const listeners = process.eventNames().map((name) => process.listenerCount(name)).join()
    let ticked = false
    const tick = process.nextTick
    process.nextTick = (...args) => { ticked = true; return tick(...args) }
    require('fastify-corsica')
    process.nextTick = tick
    console.log([TypeRegistry.Entries().size === entries, ticked, process.eventNames().map((name) => process.listenerCount(name)).join() === listeners].join(' '))
  `])
  t.equal(out, 'true false true')
})

test('loading the package loads neither TypeBox, the Public Suffix List nor the RegExp parser; they load when wildcard patterns or RegExps are configured', async (t) => {
  const out = runNode(['-e', `
    const loaded = (name) => Object.keys(require.cache).some((file) => file.includes('/node_modules/' + name + '/'))
    const names = ['@sinclair/typebox', 'tldts', 'regjsparser']
    const Fastify = require('fastify')
    const corsPlugin = require('fastify-corsica')
    const atLoad = names.map(loaded).join()
    const plain = Fastify()
    plain.register(corsPlugin, { origin: ['https://a.example', 'https://b.example'] })
    plain.ready().then(() => {
      const afterPlain = names.map(loaded).join()
      const patterned = Fastify()
      patterned.register(corsPlugin, { origin: ['https://*.a.example'] })
      return patterned.ready().then(() => {
        const afterPattern = names.map(loaded).join()
        const withRegExp = Fastify()
        withRegExp.register(corsPlugin, { origin: [/^https:\\/\\/b\\.example$/] })
        return withRegExp.ready().then(() => console.log([atLoad, afterPlain, afterPattern, names.map(loaded).join()].join(' ')))
      })
    })
  `])
  t.equal(out, 'false,false,false false,false,false false,true,false false,true,true')
})
