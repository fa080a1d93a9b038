import t from 'tap'
import { safeReturnPath, signInFormPath } from '../../src/http/return-path.js'

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

t.test('a path that resolves off the site through dot segments, plain or percent-encoded, is dropped', async t => {
  for (const value of [
    '/..//evil.example', '/.//evil.example/x', '/a/..//evil.example', '/a/b/../..//evil.example',
    '/%2e%2e//evil.example', '/%2E%2E//evil.example', '/.%2e//evil.example', '/%2e//evil.example/x', '/a/%2e%2e//evil.example'
  ]) {
    t.equal(safeReturnPath(value), undefined, JSON.stringify(value))
  }
})

t.test('what is kept is the path as resolved, the one that was checked', async t => {
  t.equal(safeReturnPath('/a/../presence'), '/presence')
  t.equal(safeReturnPath('/./cours/%2e%2e/moi?x=1#y'), '/moi?x=1#y')
  t.equal(safeReturnPath('/..'), '/', 'no climbing above the site')
})

t.test('the way in is never a way back: the sign-in form, the one-time links, personal links', async t => {
  for (const value of ['/connexion', '/connexion?retour=%2Fmoi', '/auth/link/abc', '/p/abc', '/p', '/presence/../connexion', '/%2e%2e/auth/link/abc']) {
    t.equal(safeReturnPath(value), undefined, JSON.stringify(value))
  }
  t.equal(safeReturnPath('/presence'), '/presence', 'a page merely starting alike is kept')
  t.equal(safeReturnPath('/participants'), '/participants')
})

t.test('the sign-in form\'s path: in the language, with a checked way back', async t => {
  t.equal(signInFormPath('fr'), '/connexion?lang=fr')
  t.equal(signInFormPath('en', '/presence'), '/connexion?retour=%2Fpresence&lang=en')
  t.equal(signInFormPath('fr', '/organisateurs/x?qui=tous'), '/connexion?retour=%2Forganisateurs%2Fx%3Fqui%3Dtous&lang=fr')
  t.equal(signInFormPath('fr', '/..//evil.example'), '/connexion?lang=fr', 'a way off the site is dropped')
  t.equal(signInFormPath('fr', '/auth/link/abc'), '/connexion?lang=fr', 'and so is the way in')
})
