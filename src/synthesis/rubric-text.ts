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
 *
 * The settings page explains it in words (synthesis.rubricFormatHelp).
 */
import type { Bilingual } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import { inBoth } from './wording.js'
import type { Rubric } from './schemas.js'

export class RubricTextError extends Error {
  constructor (readonly problems: Bilingual[]) {
    super(problems.map(p => p.en).join(' '))
    this.name = 'RubricTextError'
  }
}

/** "Écriture claire" → "ecriture-claire" (ids the rubric schema accepts). */
function slugOf (text: string, fallback: string): string {
  const slug = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '').slice(0, 36).replace(/-+$/, '')
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
  if (blocks.length > 20) problems.push(bilingual('synthesis.rubricTooManyCriteria'))

  const criterionIds = new Set<string>()
  const criteria: Rubric['criteria'] = []
  for (const block of blocks) {
    const [head, ...levelLines] = block
    if (head === undefined) continue
    const titleParts = head.text.split('|').map(p => p.trim())
    const titleFr = titleParts[0] ?? ''
    const titleEn = titleParts[1] === undefined || titleParts[1] === '' ? titleFr : titleParts[1]
    const titleLine = head.n
    if (titleParts.length > 2) problems.push(bilingual('synthesis.rubricTitleParts', { line: titleLine }))
    if (titleFr === '') problems.push(bilingual('synthesis.rubricTitleEmpty', { line: titleLine }))
    if (titleFr.length > 200 || titleEn.length > 200) problems.push(bilingual('synthesis.rubricTitleTooLong', { line: titleLine }))
    if (levelLines.length < 2) {
      problems.push(inBoth('synthesis.rubricTooFewLevels', locale => ({
        line: titleLine,
        criterion: { fr: titleFr, en: titleEn }[locale]
      })))
    }
    if (levelLines.length > 10) problems.push(bilingual('synthesis.rubricTooManyLevels', { line: titleLine }))
    const levelIds = new Set<string>()
    const levels: Rubric['criteria'][number]['levels'] = []
    for (const levelLine of levelLines) {
      const line = levelLine.n
      const parts = levelLine.text.split('|').map(p => p.trim())
      if (parts.length < 2 || parts.length > 3) {
        problems.push(bilingual('synthesis.rubricLevelFormat', { line }))
        continue
      }
      const labelFr = parts[0] ?? ''
      const labelEn = parts.length === 3 && parts[1] !== '' ? parts[1] ?? labelFr : labelFr
      const pointsText = (parts.at(-1) ?? '').replace(',', '.')
      const points = /^\d+(\.\d+)?$/.test(pointsText) ? Number(pointsText) : Number.NaN
      if (labelFr === '') problems.push(bilingual('synthesis.rubricLabelEmpty', { line }))
      if (labelFr.length > 200 || labelEn.length > 200) problems.push(bilingual('synthesis.rubricLabelTooLong', { line }))
      if (Number.isNaN(points) || points > 1000) {
        problems.push(bilingual('synthesis.rubricPointsInvalid', { line, value: parts.at(-1) ?? '' }))
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
