import t from 'tap'
import { pathWithLang, withLang } from '../../src/views/href.js'

t.test('a path in the page\'s language keeps its query and its fragment last', async t => {
  t.equal(pathWithLang('/presence', 'fr'), '/presence?lang=fr')
  t.equal(pathWithLang('/cours/x?qui=tous#remise', 'en'), '/cours/x?qui=tous&lang=en#remise')
  t.equal(withLang('/cours/x?qui=tous', 'en'), '/cours/x?qui=tous&amp;lang=en', 'for an href: & as an entity')
})

t.test('a path that would resolve to another site stays on this one', async t => {
  for (const href of ['/..//evil.example', '/.//evil.example', '/a/..//evil.example', '/%2e%2e//evil.example', '/..///evil.example', '/../\\evil.example', '//evil.example']) {
    const path = pathWithLang(href, 'fr')
    t.match(path, /^\/(?![/\\])/, `${JSON.stringify(href)} → ${path}: one leading slash`)
    t.equal(new URL(path, 'http://compagnon.invalid').origin, 'http://compagnon.invalid', `${JSON.stringify(href)}: same site`)
  }
  t.equal(pathWithLang('/..//evil.example', 'fr'), '/evil.example?lang=fr')
})
