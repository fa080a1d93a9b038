import t from 'tap'
import { formatDateRange, sentence } from '../../src/views/i18n.js'
import { pageTextProblems } from '../helpers/page-text.js'

t.test('event date ranges read naturally in both languages: a single day once, a range without repeating its month or year', async t => {
  t.equal(formatDateRange('2026-06-06', '2026-06-06', 'en'), 'June 6, 2026', 'not "June 6–6, 2026"')
  t.equal(formatDateRange('2026-06-06', '2026-06-06', 'fr'), '6 juin 2026')
  t.equal(formatDateRange('2025-10-20', '2025-10-24', 'en'), 'October 20–24, 2025')
  t.equal(formatDateRange('2025-10-20', '2025-10-24', 'fr'), '20–24 octobre 2025')
  t.equal(formatDateRange('2025-10-31', '2025-11-02', 'en'), 'October 31–November 2, 2025')
  t.equal(formatDateRange('2025-10-31', '2025-11-02', 'fr'), '31 octobre\u2009–\u20092 novembre 2025', 'thin spaces around the dash, as ICU writes it')
  t.equal(formatDateRange('2025-12-31', '2026-01-02', 'fr'), '31 décembre 2025\u2009–\u20092 janvier 2026')
})

t.test('a sentence that ends with an English time gets no second period', async t => {
  t.equal(sentence('It expires at 5:00 p.m.'), 'It expires at 5:00 p.m.', 'not "p.m.."')
  t.equal(sentence('Elle expire à 17 h 00'), 'Elle expire à 17 h 00.')
})

t.test('the page check finds escaped markup and doubled periods in visible text only', async t => {
  t.same(pageTextProblems('<p>Note : <strong>65 / 100</strong></p><textarea>&lt;strong&gt;typed&lt;/strong&gt;</textarea><script>"&lt;b>"</script><input value="&lt;em&gt;"><p>Ana &lt;ana@example.org&gt;</p>'), [], 'real tags, typed text, scripts, attribute values and e-mail addresses are fine')
  t.match(pageTextProblems('<p>Current grade: &lt;strong&gt;65 / 100&lt;/strong&gt;</p>'), [/escaped markup shown as text: «Current grade: &lt;strong&gt;65/, /escaped markup/])
  t.match(pageTextProblems('<p>Due at <time>5:00 p.m.</time>.</p>'), [/text glitch «p\.m\.\.»/])
  t.match(pageTextProblems('<p>June 6–6, 2026</p>'), [/text glitch «6–6»/])
})
