import t from 'tap'
import { foldLines as libraryFold } from 'ical-generator'
import { foldLines } from '../../src/program/ical.js'
import { testApp } from '../helpers/app.js'

// The feed folds its lines itself (ical-generator's folding cost most of the feed's time): it must
// fold exactly where the library does, at 75 octets, never inside a character.

t.test('lines are folded where ical-generator folds them, whatever the characters', async t => {
  const lines = [
    '',
    'SUMMARY:short',
    'a'.repeat(74),
    'a'.repeat(75),
    'DESCRIPTION:' + 'Mot d’ouverture : ÉNAP, « coproduction » des services publics. '.repeat(6),
    'LOCATION:' + 'é'.repeat(100),
    'SUMMARY:' + '中文'.repeat(60),
    'SUMMARY:x' + '😀'.repeat(50),
    // A lone surrogate (the program file could hold one): written as U+FFFD's three octets.
    'SUMMARY:' + 'ab\ud800cd'.repeat(30)
  ]
  for (const line of lines) t.equal(foldLines(line), libraryFold(line), JSON.stringify(line.slice(0, 24)))
  const text = lines.join('\r\n')
  t.equal(foldLines(text), libraryFold(text), 'a whole text, line by line')
  for (const piece of foldLines(text).split('\r\n')) t.ok(Buffer.byteLength(piece) <= 75, 'no line over 75 octets')
})

t.test('the whole feed, unfolded, is folded again to the same bytes by the library', async t => {
  const { app } = await testApp(t)
  const [event] = (await app.inject('/api/v1/events')).json().events
  for (const lang of ['fr', 'en']) {
    const feed = (await app.inject(`/api/v1/events/${event.id as string}/calendar.ics?lang=${lang}`)).body
    t.ok(feed.length > 40_000, `${lang}: the whole program`)
    t.equal(libraryFold(feed.replace(/\r\n /g, '')), feed, lang)
  }
})
