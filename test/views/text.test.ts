import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser'
import { bilingual, configureText, markup, t as text, textKeys, textSource } from '../../src/views/i18n.js'

/** The arguments and tags a message uses, by name (plural/select branches included). */
function namesIn (elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time) into.add(`{${e.value}}`)
    if (e.type === TYPE.plural || e.type === TYPE.select) {
      into.add(`{${e.value}}`)
      for (const option of Object.values(e.options)) namesIn(option.value, into)
    }
    if (e.type === TYPE.tag) { into.add(`<${e.value}>`); namesIn(e.children, into) }
  }
  return into
}

/** Tags only French needs (elision): English messages need not use them. */
const FRENCH_ONLY = new Set(['<de>', '<que>', '<le>'])

t.test('every message of the catalog parses as ICU in both languages, and both use the same values and tags', async t => {
  const mismatched: string[] = []
  for (const key of textKeys()) {
    const fr = [...namesIn(parse(textSource('fr', key)))].filter(n => !FRENCH_ONLY.has(n)).sort()
    const en = [...namesIn(parse(textSource('en', key)))].filter(n => !FRENCH_ONLY.has(n)).sort()
    if (fr.join() !== en.join()) mismatched.push(`${key}: fr ${fr.join(' ')} / en ${en.join(' ')}`)
  }
  t.same(mismatched, [])
})

t.test('catalog text carries no markup and one kind of apostrophe (’)', async t => {
  const problems: string[] = []
  for (const key of textKeys()) {
    for (const locale of ['fr', 'en'] as const) {
      const source = textSource(locale, key)
      // Tags are ICU's (<de>…</de>, <link>…</link>): no HTML entities, no straight apostrophes (ICU quoting).
      if (/&[a-z#0-9]+;/i.test(source) || source.includes('\'')) problems.push(`${locale} ${key}: ${source}`)
    }
  }
  t.same(problems, [])
})

async function sourceFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter(e => e.isFile() && e.name.endsWith('.ts')).map(e => join(e.parentPath, e.name))
}

t.test('every key of the catalog is used somewhere in src/, written out in full', async t => {
  const files = (await sourceFiles('src')).filter(f => !f.includes(join('views', 'text')))
  const code = (await Promise.all(files.map(async f => await readFile(f, 'utf8')))).join('\n')
  const unused = textKeys().filter(key => !code.includes(`'${key}'`))
  t.same(unused, [], 'keys no code asks for (remove them from both languages)')
})

t.test('French elides before a vowel or an h, and plurals follow the count', async t => {
  t.equal(text('fr', 'common.personalLinkOf', { name: 'Amélie' }), 'Lien personnel d’Amélie')
  t.equal(text('fr', 'common.personalLinkOf', { name: 'Bruno' }), 'Lien personnel de Bruno')
  t.equal(text('fr', 'common.personalLinkOf', { name: 'Hélène' }), 'Lien personnel d’Hélène')
  t.equal(text('en', 'common.personalLinkOf', { name: 'Amélie' }), 'Amélie’s personal link')
  t.equal(text('fr', 'common.presentCount', { count: 0 }), 'aucune personne présente')
  t.equal(text('fr', 'common.presentCount', { count: 1 }), '1 personne présente')
  t.equal(text('fr', 'common.presentCount', { count: 1200 }), '1\u00a0200 personnes présentes', 'numbers grouped the Québec way')
  t.equal(text('en', 'common.presentCount', { count: 1 }), '1 person present')
})

t.test('markup escapes values and wraps the words the catalog marks', async t => {
  const out = markup('fr', 'common.personalLinkOf', { name: 'Ève <eve@example.org>' }, {})
  t.equal(out, 'Lien personnel d’Ève &#60;eve@example.org&#62;', 'the value is escaped; elision still sees its first letter')
})

t.test('the pseudo-locale puts every message between markers, in both languages of an error', async t => {
  configureText({ markers: true })
  t.teardown(() => { configureText({ markers: false }) })
  t.equal(text('fr', 'common.signIn'), '⟦Connexion⟧')
  t.same(bilingual('common.signIn'), { fr: '⟦Connexion⟧', en: '⟦Sign in⟧' })
})
