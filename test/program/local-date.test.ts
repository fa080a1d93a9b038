import t from 'tap'
import { DateTime } from 'luxon'
import { localDate } from '../../src/program/local-date.js'

t.test('the date where the event is, as luxon gives it, around midnight and the clock changes', async t => {
  const zones = ['America/Montreal', 'UTC', 'Asia/Kolkata', 'Pacific/Auckland', 'America/St_Johns']
  // Every 37 minutes over the 2025 autumn change (2 November in Montréal) and New Year.
  const instants = [Date.UTC(2025, 9, 31), Date.UTC(2025, 11, 30)].flatMap(start => Array.from({ length: 200 }, (_, i) => new Date(start + i * 37 * 60_000)))
  let checked = 0
  for (const zone of zones) {
    for (const at of instants) {
      if (localDate(at, zone) !== DateTime.fromJSDate(at, { zone }).toISODate()) t.fail(`${zone} ${at.toISOString()}`)
      checked++
    }
  }
  t.equal(checked, zones.length * instants.length)
  t.equal(localDate(new Date('2025-10-21T03:59:00Z'), 'America/Montreal'), '2025-10-20', 'still Monday in Montréal')
  t.equal(localDate(new Date('2025-10-21T04:00:00Z'), 'America/Montreal'), '2025-10-21')
})
