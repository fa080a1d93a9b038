import { stringify } from 'csv-stringify/sync'

/** A cell Excel would run as a formula (=, +, -, @, tab, CR) is kept as text. */
const safeCell = (value: string): string => /^[=+\-@\t\r]/.test(value) ? `'${value}` : value

/**
 * CSV that Excel (Québec) opens with its accents: UTF-8 with a BOM, semicolons, CRLF. Every
 * cell of the rows is kept from running as a formula (names and emails come from people);
 * the header is ours.
 */
export function excelCsv (header: string[], rows: string[][]): string {
  return '\ufeff' + stringify([header, ...rows.map(r => r.map(safeCell))], { delimiter: ';', record_delimiter: '\r\n' })
}
