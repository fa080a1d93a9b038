import t from 'tap'
import { NOTICE_PATH, privacyNoticeLine } from '../../src/views/privacy-notice.js'

t.test('the privacy line links to the notice in the reader’s language', async t => {
  for (const locale of ['fr', 'en'] as const) {
    const line = privacyNoticeLine(locale)
    t.match(line, /^<p class="muted privacy-line">/)
    t.match(line, `<a href="${NOTICE_PATH}?lang=${locale}">`)
  }
  t.match(privacyNoticeLine('fr'), 'avis de confidentialité')
})

t.test('organizers adding people read a different sentence, with the same link', async t => {
  const person = privacyNoticeLine('fr')
  const organizer = privacyNoticeLine('fr', 'organizer')
  t.not(organizer, person)
  t.match(organizer, `<a href="${NOTICE_PATH}?lang=fr">`)
})
