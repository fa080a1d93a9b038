import type { Bilingual } from '../errors.js'
import type { Rubric } from './schemas.js'

/**
 * The rubric as instructors type it in the settings page: one criterion per block (blocks are
 * separated by a blank line), its first line "Titre FR | Title EN", then one level per line
 * "Libellé FR | Label EN | points". The English part may be left out (the French is used).
 * Lines starting with # are comments. Ids are derived from the French titles.
 *
 *   Analyse | Analysis
 *   Faible | Weak | 10
 *   Solide | Strong | 60
 *
 *   Écriture | Writing
 *   Faible | Weak | 5
 *   Claire | Clear | 40
 */
export const RUBRIC_FORMAT_HELP: Bilingual = {
  fr: 'Un critère par bloc, les blocs séparés par une ligne vide. Première ligne du bloc : « Titre FR | Title EN ». Puis un niveau par ligne : « Libellé FR | Label EN | points ». L\'anglais est facultatif. Au moins deux niveaux par critère. Laissez vide pour noter par un nombre.',
  en: 'One criterion per block, blocks separated by a blank line. First line of a block: "Titre FR | Title EN". Then one level per line: "Libellé FR | Label EN | points". English is optional. At least two levels per criterion. Leave empty to grade with a number.'
}

export class RubricTextError extends Error {
  constructor (readonly problems: Bilingual[]) {
    super(problems.map(p => p.en).join(' '))
    this.name = 'RubricTextError'
  }
}

/** "Écriture claire" → "ecriture-claire" (ids the rubric schema accepts). */
function slugOf (text: string, fallback: string): string {
  const slug = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 36).replace(/-+$/, '')
  return slug === '' ? fallback : slug
}

function unique (id: string, taken: Set<string>): string {
  let candidate = id
  for (let n = 2; taken.has(candidate); n++) candidate = `${id}-${n}`
  taken.add(candidate)
  return candidate
}

/** Parses the typed rubric; empty text means no rubric (null). Errors name the line. */
export function parseRubricText (text: string): Rubric | null {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const problems: Bilingual[] = []
  const blocks: Array<Array<{ n: number, text: string }>> = []
  let current: Array<{ n: number, text: string }> = []
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line.startsWith('#')) return
    if (line === '') {
      if (current.length > 0) blocks.push(current)
      current = []
      return
    }
    current.push({ n: i + 1, text: line })
  })
  if (current.length > 0) blocks.push(current)
  if (blocks.length === 0) return null
  if (blocks.length > 20) problems.push({ fr: 'Au plus 20 critères.', en: 'At most 20 criteria.' })

  const criterionIds = new Set<string>()
  const criteria: Rubric['criteria'] = []
  for (const block of blocks) {
    const [head, ...levelLines] = block
    if (head === undefined) continue
    const titleParts = head.text.split('|').map(p => p.trim())
    const titleFr = titleParts[0] ?? ''
    const titleEn = titleParts[1] === undefined || titleParts[1] === '' ? titleFr : titleParts[1]
    if (titleParts.length > 2) problems.push({ fr: `Ligne ${head.n} : le titre d'un critère a deux parties au plus (« Titre FR | Title EN ») ; ajoutez une ligne vide avant un nouveau critère.`, en: `Line ${head.n}: a criterion title has at most two parts ("Titre FR | Title EN"); put a blank line before a new criterion.` })
    if (titleFr === '') problems.push({ fr: `Ligne ${head.n} : le titre du critère est vide.`, en: `Line ${head.n}: the criterion title is empty.` })
    if (titleFr.length > 200 || titleEn.length > 200) problems.push({ fr: `Ligne ${head.n} : titre trop long (200 caractères au plus).`, en: `Line ${head.n}: title too long (200 characters at most).` })
    if (levelLines.length < 2) problems.push({ fr: `Ligne ${head.n} : le critère « ${titleFr} » doit avoir au moins deux niveaux (une ligne « Libellé FR | Label EN | points » chacun).`, en: `Line ${head.n}: criterion "${titleEn}" needs at least two levels (one line "Libellé FR | Label EN | points" each).` })
    if (levelLines.length > 10) problems.push({ fr: `Ligne ${head.n} : au plus 10 niveaux par critère.`, en: `Line ${head.n}: at most 10 levels per criterion.` })
    const levelIds = new Set<string>()
    const levels: Rubric['criteria'][number]['levels'] = []
    for (const line of levelLines) {
      const parts = line.text.split('|').map(p => p.trim())
      if (parts.length < 2 || parts.length > 3) {
        problems.push({ fr: `Ligne ${line.n} : un niveau s'écrit « Libellé FR | Label EN | points » (ou « Libellé | points »).`, en: `Line ${line.n}: a level is written "Libellé FR | Label EN | points" (or "Label | points").` })
        continue
      }
      const labelFr = parts[0] ?? ''
      const labelEn = parts.length === 3 && parts[1] !== '' ? parts[1] ?? labelFr : labelFr
      const pointsText = (parts.at(-1) ?? '').replace(',', '.')
      const points = /^\d+(\.\d+)?$/.test(pointsText) ? Number(pointsText) : Number.NaN
      if (labelFr === '') problems.push({ fr: `Ligne ${line.n} : le libellé du niveau est vide.`, en: `Line ${line.n}: the level label is empty.` })
      if (labelFr.length > 200 || labelEn.length > 200) problems.push({ fr: `Ligne ${line.n} : libellé trop long (200 caractères au plus).`, en: `Line ${line.n}: label too long (200 characters at most).` })
      if (Number.isNaN(points) || points > 1000) {
        problems.push({ fr: `Ligne ${line.n} : les points doivent être un nombre de 0 à 1000 (« ${parts.at(-1) ?? ''} »).`, en: `Line ${line.n}: points must be a number from 0 to 1000 ("${parts.at(-1) ?? ''}").` })
        continue
      }
      levels.push({ id: unique(slugOf(labelFr, `niveau-${levels.length + 1}`), levelIds), label: { fr: labelFr, en: labelEn }, points })
    }
    criteria.push({ id: unique(slugOf(titleFr, `critere-${criteria.length + 1}`), criterionIds), title: { fr: titleFr, en: titleEn }, levels })
  }
  if (problems.length > 0) throw new RubricTextError(problems)
  return { criteria }
}

/** The stored rubric back as text (what the settings form shows). */
export function formatRubricText (rubric: Rubric | null): string {
  if (rubric === null) return ''
  return rubric.criteria.map(c => [
    c.title.en === c.title.fr ? c.title.fr : `${c.title.fr} | ${c.title.en}`,
    ...c.levels.map(l => `${l.label.fr} | ${l.label.en} | ${l.points}`)
  ].join('\n')).join('\n\n')
}
