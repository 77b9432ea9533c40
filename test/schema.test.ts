import { readFileSync } from 'node:fs'
import { test } from 'tap'
import type { Static } from '@sinclair/typebox'
import { checksSource, CorsOptionsSchema, OriginItemSchema, RouteCorsOptionsSchema, type OriginItem } from '../src/config/schema.js'
import { PLUGIN_KEYS, ROUTE_KEYS } from '../src/config/option-names.js'

test('src/config/generated/checks.ts is what the TypeBox schema generates (run `npm run generate` after changing the schema)', (t) => {
  t.equal(readFileSync(new URL('../src/config/generated/checks.ts', `file://${__filename}`), 'utf8'), checksSource())
  t.end()
})

test('the option names the runtime knows are the schema\'s', (t) => {
  t.same([...PLUGIN_KEYS].sort(), Object.keys(CorsOptionsSchema.properties).sort())
  t.same([...ROUTE_KEYS].sort(), Object.keys(RouteCorsOptionsSchema.properties).sort())
  t.end()
})

// The named origin types and what TypeBox derives from the schema are the same types: each is
// assignable to the other (checked by `tsc` in npm test).
type FromSchema = Static<typeof OriginItemSchema>
export const fromSchema = (value: FromSchema): OriginItem => value
export const toSchema = (value: OriginItem): FromSchema => value
