// The attestation's page read back as a reader (pdf.js, in unpdf) sees it: a tagged PDF whose
// structure tree gives the reading order, its language and title, and text that never overlaps,
// whatever the length of the name, the training's title or the list of sessions.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { getDocumentProxy } from 'unpdf'
import { AttestationAssetsError, loadAttestationAssets, renderAttestation, type AttestationAssets } from '../../src/attestations/pdf.js'
import type { AttestationSnapshot } from '../../src/attestations/snapshot.js'
import { sampleAttestationSnapshot } from '../fixtures/attestation-snapshot.js'

const dir = path.resolve(import.meta.dirname, '../../reports/attestation')
const code = 'K7M3Q9XAPZ4TW2HC8NVB5RJD6E'
const snapshot = sampleAttestationSnapshot({ verificationCode: code })

interface Node { role?: string, type?: string, id?: string, alt?: string, children?: Node[] }
interface Item { str: string, width: number, height: number, transform: number[], mc: string | null }
interface Read {
  pages: Array<{ tree: Node, items: Item[], width: number, height: number }>
  /** the structure elements in reading order, with their text (or alternative text) */
  elements: Array<{ role: string, text: string, alt?: string }>
  text: string
  info: Record<string, unknown>
  xmpTitle: unknown
  marked: boolean | undefined
}

async function read (pdf: Buffer): Promise<Read> {
  const doc = await getDocumentProxy(new Uint8Array(pdf))
  const pages: Read['pages'] = []
  const textOf = new Map<string, string>()
  const lastY = new Map<string, number>()
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n)
    const [, , width, height] = page.view as [number, number, number, number]
    const content = await page.getTextContent({ includeMarkedContent: true })
    const items: Item[] = []
    const stack: Array<string | null> = []
    for (const raw of content.items as Array<Record<string, unknown>>) {
      if (raw.type === 'beginMarkedContentProps' || raw.type === 'beginMarkedContent') {
        stack.push(raw.tag === 'Artifact' ? 'Artifact' : (raw.id as string | null))
      } else if (raw.type === 'endMarkedContent') {
        stack.pop()
      } else if (typeof raw.str === 'string') {
        const mc = stack.at(-1) ?? null
        // pdf.js gives no-break spaces back as plain ones
        const item = { str: (raw.str as string).replace(/[\u00a0\u202f]/g, ' '), width: raw.width as number, height: raw.height as number, transform: raw.transform as number[], mc }
        items.push(item)
        // runs of one line (a bold title within a sentence) follow each other; another line, after a space
        if (mc !== null && mc !== 'Artifact' && item.str !== '') {
          const y = item.transform[5] as number
          const sameLine = lastY.get(mc) === y
          lastY.set(mc, y)
          textOf.set(mc, `${textOf.get(mc) ?? ''}${sameLine ? '' : ' '}${item.str}`)
        }
      }
    }
    pages.push({ tree: await page.getStructTree() as Node, items, width, height })
  }
  // one element per structure node that holds content, in tree order, across pages (an element
  // continued on the next page, like the list, appears under each page's tree)
  const elements: Read['elements'] = []
  const walk = (node: Node): void => {
    const own = (node.children ?? []).filter((c) => c.type === 'content').map((c) => (textOf.get(c.id ?? '') ?? '').replace(/ +/g, ' ').trim())
    if (node.role !== undefined && (own.length > 0 || node.alt !== undefined)) elements.push({ role: node.role, text: own.join(' '), ...(node.alt === undefined ? {} : { alt: node.alt }) })
    for (const c of node.children ?? []) if (c.type !== 'content') walk(c)
  }
  for (const p of pages) walk(p.tree)
  const meta = await doc.getMetadata()
  const markInfo = await doc.getMarkInfo()
  return {
    pages,
    elements,
    text: pages.flatMap((p) => p.items.map((i) => i.str)).join(' ').replace(/\s+/g, ' '),
    info: meta.info as Record<string, unknown>,
    xmpTitle: meta.metadata?.get('dc:title'),
    marked: markInfo?.Marked
  }
}

const box = (i: Item): [number, number, number, number] => {
  const [, , , , x, y] = i.transform as [number, number, number, number, number, number]
  return [x, y, x + i.width, y + i.height]
}

function noOverlap (t: Test, r: Read): void {
  for (const [n, p] of r.pages.entries()) {
    const items = p.items.filter((i) => i.str.trim() !== '')
    const boxes = items.map(box)
    for (const [a, b] of boxes.entries()) {
      t.ok(b[0] >= 40 && b[2] <= p.width - 40 && b[1] >= 20 && b[3] <= p.height - 30, `page ${n + 1}: "${items[a]?.str}" inside the page`)
    }
    let overlaps = 0
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i] as number[], boxes[j] as number[]]
        const ox = Math.min(a[2] as number, b[2] as number) - Math.max(a[0] as number, b[0] as number)
        const oy = Math.min(a[3] as number, b[3] as number) - Math.max(a[1] as number, b[1] as number)
        if (ox > 0.01 && oy > 0.01) {
          overlaps++
          t.fail(`page ${n + 1}: "${items[i]?.str}" overlaps "${items[j]?.str}"`)
        }
      }
    }
    t.equal(overlaps, 0, `page ${n + 1}: ${items.length} pieces of text, none overlapping`)
  }
}

const longSessions = (count: number): AttestationSnapshot['sessions'] => Array.from({ length: count }, (_, i) => ({
  title: `Séance ${i + 1} : coproduction des services publics et mobilisation des acteurs locaux, étude de cas n° ${i + 1}`,
  startsAt: `2025-10-${20 + (i % 5)}T${String(8 + (i % 8)).padStart(2, '0')}:00:00-04:00`,
  durationMinutes: 105
}))
const longName = 'Marie-Ève Bouchard-Tremblay de la Villardière-Saint-Onge-Papineau'
const longTitle = 'École d’automne sur la coproduction des services publics, la participation citoyenne, l’évaluation des politiques publiques et la transformation numérique de l’État au Québec'

const cases: Array<[string, AttestationSnapshot]> = [
  ['normal (fr)', snapshot],
  ['normal (en)', { ...snapshot, locale: 'en' }],
  ['a long name', { ...snapshot, name: longName }],
  ['a long training title', { ...snapshot, trainingTitle: longTitle }],
  ['12 sessions', { ...snapshot, sessions: longSessions(12) }],
  ['all long at once (en)', { ...snapshot, locale: 'en', name: longName, trainingTitle: longTitle, sessions: longSessions(12) }],
  ['60 sessions', { ...snapshot, sessions: longSessions(60) }],
  ['no sessions, one day', { ...snapshot, sessions: [], endDate: snapshot.startDate }],
  ['a long address', { ...snapshot, verifyUrl: `https://attestations.formation-continue.enap.example.ca/verification/publique/${code}` }]
]

let assets: AttestationAssets
t.before(async () => { assets = await loadAttestationAssets(dir) })

t.test('a tagged PDF: language, title shown, marked, structure in reading order', async (t) => {
  const pdf = await renderAttestation(snapshot, assets)
  const r = await read(pdf)
  t.equal(r.info.Language, 'fr-CA')
  t.equal(r.info.Title, 'Attestation de formation — Éloïse Côté-Bélanger')
  t.equal(r.marked, true, 'MarkInfo /Marked true')
  t.match(pdf.toString('latin1'), /\/DisplayDocTitle true/, 'viewers show the title, not the file name')
  t.equal(r.xmpTitle, 'Attestation de formation — Éloïse Côté-Bélanger', 'the title in the XMP metadata too')

  const root = r.pages[0]?.tree
  t.equal(root?.children?.[0]?.role, 'Document')
  const roles = r.elements.map((e) => e.role)
  t.same(roles.slice(0, 3), ['H1', 'P', 'P'])
  t.same(r.elements[0], { role: 'H1', text: 'Attestation de formation' })
  t.equal(r.elements[1]?.text, 'La présente atteste que')
  t.equal(r.elements[2]?.text, 'Éloïse Côté-Bélanger', 'the person’s name comes right after')
  t.match(r.elements[3]?.text, 'a suivi la formation « École d’automne')
  t.match(r.elements[4]?.text, 'du 20 au 24 octobre 2025, à Montréal.')
  t.match(r.elements[5]?.text, /^Heures de formation suivies : 22,5 heures$/)
  t.match(r.elements[6]?.text, /2,25 UEC$/)
  t.same(r.elements[7], { role: 'H2', text: 'Séances suivies (début et durée)' })
  // the sessions: a list of items, each a label (start and duration) and a body (the title)
  const list = root?.children?.[0]?.children?.find((c) => c.role === 'L')
  t.equal(list?.children?.length, 3, 'one LI per session')
  t.same(list?.children?.map((li) => li.role), ['LI', 'LI', 'LI'])
  t.same(list?.children?.[0]?.children?.map((c) => c.role), ['Lbl', 'LBody'])
  t.same(r.elements.slice(8, 14).map((e) => e.role), ['Lbl', 'LBody', 'Lbl', 'LBody', 'Lbl', 'LBody'])
  t.match(r.elements[8]?.text, /^lun\. 20 oct\., 9\sh\s00 \(1\sh\s30\smin\)$/)
  t.equal(r.elements[9]?.text, 'Conférence d’ouverture : pourquoi coproduire ?')
  // then the issue date, who signs, the verification code and address, and the QR code last
  const rest = r.elements.slice(14)
  t.same(rest.map((e) => e.role), ['P', 'P', 'P', 'P', 'P', 'Figure'])
  t.same(rest.map((e) => e.text).slice(0, 5), [
    'Délivrée le 25 octobre 2025',
    'École nationale d’administration publique (ÉNAP)',
    'Code de vérification',
    'K7M3-Q9XA-PZ4T-W2HC-8NVB-5RJD-6E',
    `Vérifier l’authenticité : ${snapshot.verifyUrl}`
  ])
  t.equal(rest[5]?.alt, `Code QR menant à la page de vérification de cette attestation\u00a0: ${snapshot.verifyUrl}`)
  t.notMatch(r.text, 'Prénom Nom', 'no placeholder signatory')

  // every piece of text is either in a structure element or an artifact (the letterhead)
  for (const p of r.pages) {
    for (const i of p.items) if (i.str.trim() !== '') t.not(i.mc, null, `"${i.str}" is marked`)
  }
  const artifacts = r.pages[0]?.items.filter((i) => i.mc === 'Artifact' && i.str.trim() !== '').map((i) => i.str)
  t.same(artifacts, ['École nationale d’administration publique', 'Montréal (Québec)'], 'the letterhead is an artifact')
})

t.test('English attestation: English words, en-CA, the same structure', async (t) => {
  const r = await read(await renderAttestation({ ...snapshot, locale: 'en' }, assets))
  t.equal(r.info.Language, 'en-CA')
  t.equal(r.info.Title, 'Training attestation — Éloïse Côté-Bélanger')
  t.same(r.elements.slice(0, 3).map((e) => e.text), ['Training attestation', 'This is to certify that', 'Éloïse Côté-Bélanger'])
  for (const words of ['from October 20 to 24, 2025', 'Training hours attended: 22.5 hours', 'Sessions attended (start and duration)', 'Issued on October 25, 2025', 'Verification code', 'Check authenticity:', 'Montréal, Quebec']) {
    t.match(r.text, words)
  }
  for (const french of ['Attestation de formation', 'heures', 'Séances suivies', 'Délivrée', 'Code de vérification', 'Vérifier', 'Montréal (Québec)']) {
    t.notMatch(r.text, french, `no French: ${french}`)
  }
  t.match(r.elements.at(-1), { role: 'Figure', alt: `QR code leading to this attestation’s verification page: ${snapshot.verifyUrl}` })

  const fr = await read(await renderAttestation(snapshot, assets))
  for (const english of ['Training', 'hours', 'Sessions attended', 'Issued on', 'Verification code', 'Check authenticity']) {
    t.notMatch(fr.text, english, `no English: ${english}`)
  }
})

for (const [label, s] of cases) {
  t.test(`no overlapping text, inside the page: ${label}`, async (t) => {
    const r = await read(await renderAttestation(s, assets))
    t.ok(r.pages.length <= 2, `${r.pages.length} page(s)`)
    noOverlap(t, r)
    // nothing lost: the name, every session, the code and the address are all there
    const flat = r.text.replace(/\s/g, '')
    for (const needed of [s.name, s.trainingTitle, ...s.sessions.map((x) => x.title), 'K7M3-Q9XA-PZ4T-W2HC-8NVB-5RJD-6E', s.verifyUrl]) {
      t.ok(flat.includes(needed.replace(/\s/g, '')), `shows ${needed.slice(0, 40)}`)
    }
  })
}

t.test('a list on two pages stays one list in reading order, the signature on the last page', async (t) => {
  const r = await read(await renderAttestation({ ...snapshot, sessions: longSessions(12), name: longName, trainingTitle: longTitle }, assets))
  t.equal(r.pages.length, 2)
  const bodies = r.elements.filter((e) => e.role === 'LBody').map((e) => e.text)
  t.equal(bodies.length, 12)
  t.match(bodies[11], 'Séance 12 :')
  t.equal(r.pages[1]?.tree.children?.[0]?.children?.at(-1)?.role, 'Figure', 'the QR code ends page 2')
  t.match(r.text, 'Page 2 de 2')
  t.match(r.text, 'Séances suivies (début et durée) (suite)')
})

t.test('same attestation downloaded twice: the same bytes', async (t) => {
  for (const [, s] of [cases[0], cases[5]] as Array<[string, AttestationSnapshot]>) {
    const a = await renderAttestation(s, assets)
    const b = await renderAttestation(structuredClone(s), await loadAttestationAssets(dir))
    t.ok(a.equals(b), 'identical bytes')
  }
})

t.test('a configured signatory and signature; a PNG letterhead mark; a mark the renderer cannot draw', async (t) => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'attestation-layout-'))
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
  cpSync(dir, tmp, { recursive: true })
  const layoutFile = path.join(tmp, 'layout.yaml')
  const layout = readFileSync(layoutFile, 'utf8')
  writeFileSync(layoutFile, layout
    .replace('  # name: "Prénom Nom"', '  name: "Geneviève Lapointe"')
    .replace('  # title:\n  #   fr: "Directrice de l’École d’automne"\n  #   en: "Director of the Fall School"', '  title:\n    fr: "Directrice de l’École d’automne"\n    en: "Director of the Fall School"')
    .replace('  # signature: signature.png', '  signature: signature.png')
    .replace('mark: letterhead.svg', 'mark: signature.png')
    .replace('size: A4', 'size: LETTER'))
  const withSigner = await loadAttestationAssets(tmp)
  const r = await read(await renderAttestation(snapshot, withSigner))
  const roles = r.elements.map((e) => e.role)
  const sig = r.elements.find((e) => e.role === 'Figure' && e.alt === 'Signature de Geneviève Lapointe')
  t.ok(sig, 'the signature is a figure with its alternative text')
  t.ok(roles.indexOf('Figure') < roles.lastIndexOf('Figure'), 'signature before the QR code')
  t.match(r.text, 'Geneviève Lapointe')
  t.match(r.text, 'Directrice de l’École d’automne')
  t.equal(r.pages.length, 1)
  t.equal(r.pages[0]?.width, 612, 'US Letter')
  noOverlap(t, r)
  noOverlap(t, await read(await renderAttestation({ ...snapshot, locale: 'en', name: longName, trainingTitle: longTitle, sessions: longSessions(12) }, withSigner)))

  writeFileSync(path.join(tmp, 'letterhead.svg'), '<svg viewBox="0 0 10 10"><text x="0" y="5">ÉNAP</text></svg>')
  writeFileSync(layoutFile, layout)
  const err = await loadAttestationAssets(tmp).then(() => null, (e: unknown) => e)
  t.type(err, AttestationAssetsError)
  t.match((err as Error).message, /letterhead\.svg: <text> is not supported/)
})
