import { test } from 'tap'
import Fastify from 'fastify'
import { requestPath, routePatterns, routerSettings, spells, type RouterSettings } from '../src/pattern.js'

const DEFAULTS: RouterSettings = { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, caseSensitive: true, useSemicolonDelimiter: false }

test('router settings are read as Fastify applies them: routerOptions first, then the top level, then defaults', async (t) => {
  t.same(routerSettings(Fastify().initialConfig), DEFAULTS)
  t.same(routerSettings(Fastify({ ignoreTrailingSlash: true, caseSensitive: false }).initialConfig), { ...DEFAULTS, ignoreTrailingSlash: true, caseSensitive: false })
  t.same(routerSettings(Fastify({ routerOptions: { ignoreDuplicateSlashes: true, useSemicolonDelimiter: true } as never }).initialConfig), { ...DEFAULTS, ignoreDuplicateSlashes: true, useSemicolonDelimiter: true })
  // Mixed: initialConfig fills routerOptions with defaults, so a top-level value is the one in force for keys routerOptions leaves out.
  t.same(routerSettings(Fastify({ ignoreTrailingSlash: true, routerOptions: { caseSensitive: false } }).initialConfig), { ...DEFAULTS, ignoreTrailingSlash: true, caseSensitive: false })
  t.same(routerSettings({ routerOptions: { ignoreTrailingSlash: 'yes' } }), DEFAULTS, 'values that are not booleans are ignored')
})

test('route patterns are cut into static text and parameters as find-my-way reads them', async (t) => {
  const one = (url: string, settings = DEFAULTS): unknown => {
    const [pattern] = routePatterns(url, settings)
    return { statics: pattern.statics, names: pattern.names, checks: pattern.checks?.map((check) => check?.source ?? null) ?? null, first: pattern.firstSegment }
  }
  t.same(one('/users/:id'), { statics: ['/users/', ''], names: ['id'], checks: null, first: 'users' })
  t.same(one('/'), { statics: ['/'], names: [], checks: null, first: '' })
  t.same(one('/files/*'), { statics: ['/files/', ''], names: ['*'], checks: null, first: 'files' })
  t.same(one('*'), { statics: ['', ''], names: ['*'], checks: null, first: null })
  t.same(one('/:lang/items'), { statics: ['/', '/items'], names: ['lang'], checks: null, first: null })
  t.same(one('/at:time/x'), { statics: ['/at', '/x'], names: ['time'], checks: null, first: null })
  t.same(one('/f/:file.:ext'), { statics: ['/f/', '.', ''], names: ['file', 'ext'], checks: null, first: 'f' })
  t.same(one('/m/:a-:b'), { statics: ['/m/', '-', ''], names: ['a', 'b'], checks: null, first: 'm' })
  t.same(one('/c/a::b'), { statics: ['/c/a:b'], names: [], checks: null, first: 'c' })
  t.same(one('/r/:id(^\\d+$)'), { statics: ['/r/', ''], names: ['id'], checks: ['^(\\d+)$'], first: 'r' })
  t.same(one('/r/:id(^(a|b)\\)$).json'), { statics: ['/r/', '.json'], names: ['id'], checks: ['^((a|b)\\))$'], first: 'r' }, 'nested and escaped parentheses')
  t.same(one('/r/:id(^\\d+'), { statics: ['/r/', ''], names: ['id'], checks: null, first: 'r' }, 'an unclosed RegExp does not throw here (Fastify refuses the route)')
  t.throws(() => Fastify().get('/r/:id(^\\d+', async () => 'x'), 'as Fastify does')
  t.same(one('/Docs/:id', { ...DEFAULTS, caseSensitive: false }), { statics: ['/docs/', ''], names: ['id'], checks: null, first: 'docs' })
  t.same(one('//a//b/', { ...DEFAULTS, ignoreDuplicateSlashes: true, ignoreTrailingSlash: true }), { statics: ['/a/b'], names: [], checks: null, first: 'a' })
  t.same(routePatterns('/items/:id?', DEFAULTS).map((pattern) => pattern.source), ['/items/:id', '/items'], 'a trailing optional parameter stands for two routes')
  t.same(routePatterns('/:id?', DEFAULTS).map((pattern) => pattern.source), ['/:id', '/'])
})

test('request paths are read as the router reads them', async (t) => {
  t.equal(requestPath('/a/b?x=/c#d', DEFAULTS), '/a/b')
  t.equal(requestPath('/a#frag', DEFAULTS), '/a')
  t.equal(requestPath('/a;jsessionid=1', DEFAULTS), '/a;jsessionid=1')
  t.equal(requestPath('/a;jsessionid=1', { ...DEFAULTS, useSemicolonDelimiter: true }), '/a')
  t.equal(requestPath('//a//b//', { ...DEFAULTS, ignoreDuplicateSlashes: true }), '/a/b/')
  t.equal(requestPath('/a/b/', { ...DEFAULTS, ignoreTrailingSlash: true }), '/a/b')
  t.equal(requestPath('/', { ...DEFAULTS, ignoreTrailingSlash: true }), '/')
  t.equal(requestPath('/A/%2F%20x', DEFAULTS), '/A// x', 'fully decoded, as parameter values are')
  t.equal(requestPath('/A/B', { ...DEFAULTS, caseSensitive: false }), '/a/b')
  t.equal(requestPath('/a/%E0%A4%A', DEFAULTS), null, 'a path the router cannot decode')
  t.equal(requestPath('http://host.example/a/b?x', DEFAULTS), '/a/b')
  t.equal(requestPath('https://host.example?x=1', DEFAULTS), '/')
  t.equal(requestPath('http://host.example', DEFAULTS), '/')
  t.equal(requestPath('ftp://host.example/a', DEFAULTS), null)
  t.equal(requestPath('*', DEFAULTS), null)
})

test('a pattern spells a path with the params the router found, names in order and RegExps passed', async (t) => {
  const [items] = routePatterns('/items/:id', DEFAULTS)
  t.equal(spells(items, { id: '5' }, '/items/5', true), true)
  t.equal(spells(items, { id: '6' }, '/items/5', true), false)
  t.equal(spells(items, { other: '5' }, '/items/5', true), false, 'another parameter name')
  t.equal(spells(items, { id: '5', more: 'x' }, '/items/5', true), false, 'more parameters')
  t.equal(spells(items, {}, '/items/5', true), false, 'fewer parameters')
  t.equal(spells(items, { id: '5' }, '/items/5/x', true), false, 'a longer path')
  t.equal(spells(items, { id: '5' }, '/other/5', true), false)
  const [digits] = routePatterns('/items/:id(^\\d+$)', DEFAULTS)
  t.equal(spells(digits, { id: '42' }, '/items/42', true), true)
  t.equal(spells(digits, { id: 'ab' }, '/items/ab', true), false, 'the parameter RegExp fails')
  const [folded] = routePatterns('/Items/:id', { ...DEFAULTS, caseSensitive: false })
  t.equal(spells(folded, { id: 'AbC' }, '/items/abc', false), true, 'compared case-insensitively')
  const [multi] = routePatterns('/m/:a-:b', DEFAULTS)
  t.equal(spells(multi, { a: 'x-y', b: 'z' }, '/m/x-y-z', true), true)
  const [wild] = routePatterns('*', DEFAULTS)
  t.equal(spells(wild, { '*': '/any/thing' }, '/any/thing', true), true)
})
