import { test } from 'tap'
import { keptTick } from '../src/ticks.js'

test('a process.nextTick object is kept alive from the first tick after loading', async (t) => {
  await new Promise((resolve) => process.nextTick(resolve))
  const tick = keptTick() as Record<PropertyKey, unknown>
  t.type(tick, 'object')
  // The shape of Node's tick objects: two internal symbols, then callback and args.
  t.same(Object.getOwnPropertySymbols(tick).map((symbol) => symbol.description), ['async_id_symbol', 'trigger_async_id_symbol'])
  t.same(Object.keys(tick), ['callback', 'args'])
})
