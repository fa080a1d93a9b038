const formats = new Map<string, Intl.DateTimeFormat>()

/**
 * The calendar date (YYYY-MM-DD) at `at` where `zone` is — what luxon's
 * `DateTime.fromJSDate(at, { zone }).toISODate()` gives — from one formatter kept per zone:
 * asked on every view of the program page, where building a DateTime cost more than the rest
 * of choosing the day.
 */
export function localDate (at: Date, zone: string): string {
  let format = formats.get(zone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formats.set(zone, format)
  }
  let year = ''
  let month = ''
  let day = ''
  for (const part of format.formatToParts(at)) {
    if (part.type === 'year') year = part.value
    else if (part.type === 'month') month = part.value
    else if (part.type === 'day') day = part.value
  }
  return `${year}-${month}-${day}`
}
