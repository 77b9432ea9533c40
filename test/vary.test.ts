import { test } from 'tap'
import { currentVary } from '../src/request.js'

test('before any real reply, a reply without Fastify\'s header store is asked through getHeader', async (t) => {
  // First call in this process: no symbol to find, so every later reply asks getHeader.
  t.equal(currentVary({ getHeader: (name: string) => name === 'vary' ? 'Accept' : undefined } as never), 'Accept')
  t.equal(currentVary({ getHeader: () => undefined } as never), undefined)
})
