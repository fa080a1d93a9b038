// Two events on one app, each with its own signed-in organizer: the world of the cross-event
// (issue 15) tests. A is the 2025 fall school, B another event; Odile organizes A, Bruno B.
import type { FastifyInstance } from 'fastify'
import { testApp, type TestApp } from './app.js'
import { given } from './given.js'
import { signInWithLink } from './session.js'

export interface Staff { personId: string, auth: { authorization: string }, cookie: string, csrf: string }
export interface TwoEvents extends TestApp { a: string, b: string, orgA: Staff, orgB: Staff }

/** A person signed in through a one-time link: page cookies with their CSRF token, and a bearer. */
export async function signedIn (app: FastifyInstance, url: string, personId: string): Promise<Staff> {
  const { cookie, csrf, res } = await signInWithLink(app, url)
  return { personId, cookie, csrf, auth: { authorization: `Bearer ${res.cookies.find(c => c.name === 'compagnon_session')!.value}` } }
}

export async function twoEvents (t: { teardown: (fn: () => unknown) => void }): Promise<TwoEvents> {
  const ctx = await testApp(t)
  const g = given(ctx)
  const a = await g.event()
  // Three days in March 2026, Montréal time.
  const b = await g.newEvent({ key: 'autre-2026', titleFr: 'Autre événement', titleEn: 'Other event' })
  const linkA = await ctx.services.people.bootstrapOrganizer('odile@enap.ca', [a], 'Odile A')
  const linkB = await ctx.services.people.bootstrapOrganizer('bruno@autre.ca', [b], 'Bruno B')
  return { ...ctx, a, b, orgA: await signedIn(ctx.app, linkA.url, linkA.personId), orgB: await signedIn(ctx.app, linkB.url, linkB.personId) }
}
