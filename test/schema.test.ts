import { readFileSync } from 'node:fs'
import { test } from 'tap'
import type { Static } from '@sinclair/typebox'
import { checksSource, CorsOptionsSchema, OriginItemSchema, RouteCorsOptionsSchema } from '../src/config/schema.js'
import type { CorsOptions, OriginItem, RouteCorsOptions } from '../src/config/types.js'
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

// The published option types are written by hand (src/config/types.ts, so the declarations need
// no TypeBox); `tsc` in npm test fails unless they are identical to what TypeBox derives from
// the schema: same keys, same property types, same optionality.
type Identical<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
type Flat<T> = { [K in keyof T]: T[K] }
export const routeOptionsAgree: Identical<Flat<Static<typeof RouteCorsOptionsSchema>>, Flat<RouteCorsOptions>> = true
export const pluginOptionsAgree: Identical<Flat<Static<typeof CorsOptionsSchema>>, Flat<CorsOptions>> = true
