/**
 * Whether the name a person asks to have printed differs from the name on their record. A
 * participant could otherwise put any name on an attestation issued automatically, with no one
 * looking; such a request goes to the organizers' review queue instead. Spacing and Unicode
 * composition do not count as a change (the form trims, keyboards compose accents differently);
 * letters, case, accents and hyphens do.
 */
export function printedNameChanged (requested: string, onRecord: string): boolean {
  const norm = (name: string): string => name.normalize('NFC').trim().replace(/\s+/gu, ' ')
  return norm(requested) !== norm(onRecord)
}
