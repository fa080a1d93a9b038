import t from 'tap'
import { excelCsv } from '../../src/http/csv.js'

t.test('Excel CSV: a BOM, semicolons and CRLF, so Excel opens it with its accents in one column per field', async t => {
  const out = excelCsv(['Nom', 'Courriel'], [['Élodie Côté', 'elodie@example.ca'], ['Zoé; fille', 'zoe@example.ca']])
  t.ok(out.startsWith('\ufeff'), 'UTF-8 with a BOM')
  t.same(out.slice(1).split('\r\n'), ['Nom;Courriel', 'Élodie Côté;elodie@example.ca', '"Zoé; fille";zoe@example.ca', ''])
})

t.test('Excel CSV: a cell Excel would run as a formula stays text; the header is ours and left as is', async t => {
  const lines = excelCsv(['=Nom'], [['=HYPERLINK("http://evil")'], ['+1'], ['-2'], ['@SUM(A1)'], ['\tx'], ['ok']]).slice(1).split('\r\n')
  t.equal(lines[0], '=Nom')
  t.same(lines.slice(1, 7), ['"\'=HYPERLINK(""http://evil"")"', "'+1", "'-2", "'@SUM(A1)", "'\tx", 'ok'])
})
