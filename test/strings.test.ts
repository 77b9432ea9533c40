import { test } from 'tap'
import { internalize } from '../src/strings.js'

test('internalize returns the same text, whatever its shape', async (t) => {
  // Index-like keys come back from Object.keys as strings too; ropes come back flat.
  const rope = new URL('https://App.Example:8443/').origin
  for (const text of ['', '600', '0', 'https://app.example', rope, 'GET, POST', 'x-ünïcödé', '__proto__', 'constructor']) {
    t.equal(internalize(text), text, JSON.stringify(text))
  }
})

test('internalize keeps nothing between calls', async (t) => {
  // Each call sees only its own key: a leftover key (named or index-like) would be returned instead.
  t.equal(internalize('600'), '600')
  t.equal(internalize('https://a.example'), 'https://a.example')
  t.equal(internalize('1'), '1')
  t.equal(internalize('__proto__'), '__proto__')
  t.equal(internalize('b'), 'b')
})
