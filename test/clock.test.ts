import t from 'tap'
import { FixedClock, offsetClock, systemClock } from '../src/clock.js'
import { testApp } from './helpers/app.js'

t.test('a fixed clock stays put until moved', async t => {
  const clock = new FixedClock('2025-10-21T14:00:00Z')
  t.equal(clock.now().toISOString(), '2025-10-21T14:00:00.000Z')
  clock.advance(90_000)
  t.equal(clock.now().toISOString(), '2025-10-21T14:01:30.000Z')
  clock.set('2025-10-24T13:00:00Z')
  t.equal(clock.now().toISOString(), '2025-10-24T13:00:00.000Z')
  t.throws(() => new FixedClock('not a date'), TypeError)
})

t.test('an offset clock follows real time, shifted', async t => {
  const base = new FixedClock('2026-01-01T00:00:00Z')
  t.equal(offsetClock(3_600_000, base).now().toISOString(), '2026-01-01T01:00:00.000Z')
  t.ok(Math.abs(systemClock.now().getTime() - Date.now()) < 1000)
})

t.test('the app reads the injected clock: the home page shows the event that is current then', async t => {
  const { app, services, clock } = await testApp(t)
  const edited = (await import('node:fs')).readFileSync((await import('../src/paths.js')).defaultProgramFile, 'utf8')
    .replace('key: ecole-automne-coproduction-2025', 'key: ecole-automne-2026')
    .replaceAll('2025-10-', '2026-10-')
    .replace('"École d\'automne sur la coproduction des services publics"', '"École d\'automne 2026"')
  await services.program.importFromText(edited, 'next-year.yaml', null)
  const during2025 = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  t.match(during2025.body, /<h1>École d&#39;automne sur la coproduction des services publics<\/h1>/)
  clock.set('2025-10-25T02:00:00Z')
  const lateFridayInMontreal = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  t.match(lateFridayInMontreal.body, /<h1>École d&#39;automne sur la coproduction des services publics<\/h1>/, 'Friday 22:00 in Montréal (Saturday in UTC) is still the event\'s last day')
  clock.set('2026-01-15T12:00:00Z')
  const after2025 = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  t.match(after2025.body, /<h1>École d&#39;automne 2026<\/h1>/, 'once 2025 is over, the next event is shown')
})
