// Names in the order people expect ("Élodie" with the E's, not after "Z"; "Salle 2" before "Salle 10"):
// the database's collation may be "C". One order on every list, whatever the page's language.
const collator = new Intl.Collator('fr-CA', { sensitivity: 'base', numeric: true })

export const compareNames = (a: string, b: string): number => collator.compare(a, b)

/** By name, then by person id so two people with one name keep one order between pages. */
export const byName = (a: { name: string, personId?: string }, b: { name: string, personId?: string }): number =>
  collator.compare(a.name, b.name) || (a.personId ?? '').localeCompare(b.personId ?? '')
