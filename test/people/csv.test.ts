import t from 'tap'
import { decodeCsv, parseLanguage, parseParticipantsCsv, MAX_CSV_ROWS } from '../../src/people/csv.js'
import { validateRow, personalLinkExpiry } from '../../src/people/participants.js'
import { AppError } from '../../src/errors.js'

t.test('French Excel export: semicolons, BOM, accents, quoted delimiters and doubled quotes, blank ";;;" rows', async t => {
  const csv = '\uFEFFNom;Adresse courriel;Employeur;Langue\r\n' +
    '"Tremblay; Marie";marie@quebec.ca;"Ministère de l\'Économie ""MEIE""";français\r\n' +
    ';;;\r\n' +
    '\r\n' +
    'Jean Côté;jean@montreal.ca;Ville de Montréal;\r\n'
  const parsed = parseParticipantsCsv(Buffer.from(csv, 'utf8'))
  t.equal(parsed.delimiter, ';')
  t.equal(parsed.encoding, 'utf-8')
  t.same(parsed.rows, [
    { line: 2, values: { name: 'Tremblay; Marie', email: 'marie@quebec.ca', employer: 'Ministère de l\'Économie "MEIE"', language: 'français' } },
    { line: 5, values: { name: 'Jean Côté', email: 'jean@montreal.ca', employer: 'Ville de Montréal', language: '' } }
  ])
})

t.test('line numbers stay right after a quoted field that spans lines', async t => {
  const csv = 'name,email\n"Émilie\nGagnon",emilie@x.ca\n\nZoé,zoe@x.ca\n'
  const parsed = parseParticipantsCsv(csv)
  t.same(parsed.rows.map(r => r.line), [2, 5])
  t.same(validateRow(parsed.rows[0]!), { input: { name: 'Émilie Gagnon', email: 'emilie@x.ca', employer: undefined, language: undefined, givenName: undefined, familyName: undefined } }, 'the line break in the name becomes a space')
})

t.test('English headers with commas; unknown columns are reported, not guessed at', async t => {
  const parsed = parseParticipantsCsv('Name,E-mail,Organization,Preferred language,Phone\nAl Smith,al@canada.ca,ESDC,English,555\n')
  t.equal(parsed.delimiter, ',')
  t.same(parsed.ignoredColumns, ['Phone'])
  t.same(parsed.rows[0]?.values, { name: 'Al Smith', email: 'al@canada.ca', employer: 'ESDC', language: 'English' })
})

t.test('Excel\'s "sep=;" first line sets the delimiter and is not a header', async t => {
  const parsed = parseParticipantsCsv('sep=;\nnom;courriel\nA, B;a@b.ca\n')
  t.equal(parsed.delimiter, ';')
  t.same(parsed.rows, [{ line: 3, values: { name: 'A, B', email: 'a@b.ca' } }])
})

t.test('"Prénom" and "Nom" columns make the name, and "Nom" is then the family name', async t => {
  const parsed = parseParticipantsCsv('Prénom;Nom;Courriel\nMarie;Tremblay;m@t.ca\n')
  const row = validateRow(parsed.rows[0]!)
  t.match(row, { input: { name: 'Marie Tremblay', givenName: 'Marie', familyName: 'Tremblay', email: 'm@t.ca' } })
})

t.test('Windows-1252 bytes (Excel on Windows) are read with their accents; UTF-8 stays UTF-8', async t => {
  const latin = Buffer.from('nom;courriel\nHélène Côté;helene@x.ca\n', 'latin1')
  const decoded = decodeCsv(latin)
  t.equal(decoded.encoding, 'windows-1252')
  t.match(decoded.text, /Hélène Côté/)
  t.equal(decodeCsv(Buffer.from('Hélène', 'utf8')).encoding, 'utf-8')
  t.equal(parseParticipantsCsv(latin).rows[0]?.values.name, 'Hélène Côté')
})

t.test('languages: fr, en, their names in either language, blank for French; anything else is refused', async t => {
  for (const v of ['fr', 'FR', 'français', 'Francais', 'French', '', ' fr-CA ']) t.equal(parseLanguage(v), 'fr', v)
  for (const v of ['en', 'EN', 'english', 'Anglais', 'en-CA']) t.equal(parseLanguage(v), 'en', v)
  for (const v of ['es', 'espagnol', 'bilingue']) t.equal(parseLanguage(v), undefined, v)
})

t.test('a row reports every problem at once, in French and English', async t => {
  const result = validateRow({ line: 7, values: { name: ' ', email: 'pas-un-courriel', language: 'klingon' } })
  t.ok('errors' in result)
  if (!('errors' in result)) return
  t.same(result.errors.map(e => [e.line, e.field]), [[7, 'name'], [7, 'email'], [7, 'language']])
  t.match(result.errors[1]!.message, { fr: /Adresse courriel invalide : « pas-un-courriel »/, en: /Invalid email address: “pas-un-courriel”/ })
})

t.test('files that cannot be read as a whole are refused with a reason', async t => {
  const refusal = (input: string): AppError => { try { parseParticipantsCsv(input) } catch (err) { return err as AppError } throw new Error('accepted') }
  t.match(refusal(''), { statusCode: 400, text: { fr: /vide/ } })
  t.match(refusal('nom;employeur\nA;B\n'), { statusCode: 400, text: { fr: /courriel \/ email/, en: /Column not found/ } })
  t.match(refusal('nom;courriel;courriel\n'), { statusCode: 400, text: { en: /appears twice/ } })
  t.match(refusal('nom;courriel\nA;a@b.ca\n"B;b@b.ca\nC;c@b.ca\n'), { statusCode: 400, text: { fr: /mal formé à partir de la ligne 3/, en: /Nothing was imported/ } })
  t.match(refusal('nom;courriel\n' + 'A;a@b.ca\n'.repeat(MAX_CSV_ROWS + 1)), { statusCode: 413, text: { fr: /limite est de 5\u00a0000/ } })
  t.match(refusal('x'.repeat(1024 * 1024 + 1)), { statusCode: 413, text: { en: /exceeds 1 MB/ } })
})

t.test('personal links last until midnight after the 60th day following the event\'s last day, in the event\'s time zone', async t => {
  t.equal(personalLinkExpiry('2025-10-24', 'America/Montreal').toISOString(), '2025-12-24T05:00:00.000Z')
})
