import { test } from 'tap'
import { internalize } from '../src/strings.js'

test('internalize returns the same text, whatever its shape', async (t) => {
  // Index-like keys come back from Object.keys as strings too; ropes come back flat.
  const rope = new URL('https://App.Example:8443/').origin
  for (const text of ['', '600', '0', 'https://app.example', rope, 'GET, POST', 'x-ünïcödé', '__proto__', 'constructor']) {
    t.equal(internalize(text), text, JSON.stringify(text))
  }
})
