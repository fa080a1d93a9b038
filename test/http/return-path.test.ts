import t from 'tap'
import { safeReturnPath } from '../../src/http/return-path.js'

t.test('a page of this site is kept as the way back after signing in', async t => {
  for (const path of ['/moi', '/presence', '/presence/laissez-passer', '/organisateurs/presences/0f8fad5b-d9cb-469f-a165-70867728950e?qui=tous', '/cours/synthese/x#remise', '/events/%C3%A9cole']) {
    t.equal(safeReturnPath(path), path, path)
  }
})

t.test('anything that could lead off the site is dropped, never followed', async t => {
  for (const value of [
    '//evil.example', '//evil.example/moi', '/\\evil.example', '/\\/evil.example', '\\\\evil.example',
    'https://evil.example/moi', 'http:/evil.example', 'javascript:alert(1)', 'moi', '',
    // Browsers strip tabs and newlines from URLs, which would turn these into //evil.example.
    '/\t/evil.example', '/\n/evil.example', '/\r/evil.example', '/ /evil.example', '/moi\u0000',
    `/${'a'.repeat(600)}`
  ]) {
    t.equal(safeReturnPath(value), undefined, JSON.stringify(value))
  }
  t.equal(safeReturnPath(undefined), undefined)
  t.equal(safeReturnPath(['/moi']), undefined, 'a repeated parameter is not a path')
})
