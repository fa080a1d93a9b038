import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { html } from 'ghtml'
import { z } from 'zod'
import { allow, param } from '../access/declare.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import { intlLocale, t, type Locale } from '../views/i18n.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { LINK_ZONE } from './pages.js'
import type { PendingRoleInvitation, PeopleService } from './service.js'

export interface RoleInvitationRoutesOptions { people: PeopleService }

const invitationParams = z.object({
  invitationId: z.uuid({ error: 'invitationId must be a UUID' }).describe('One of the signed-in person\'s pending role invitations')
})

/** The section of /moi listing roles offered to the person, each with its accept and decline buttons (nothing when there are none). */
export function roleInvitationSection (locale: Locale, invitations: PendingRoleInvitation[]): string | null {
  if (invitations.length === 0) return null
  const date = (d: Date): string => d.toLocaleDateString(intlLocale[locale], { dateStyle: 'long', timeZone: LINK_ZONE })
  return html`<section aria-labelledby="moi-invitations">
<h2 id="moi-invitations">${t(locale, 'people.roleInvitationsTitle')}</h2>
<p>${t(locale, 'people.roleInvitationsIntro')}</p>
<ul>
!${invitations.map(i => {
  const line = t(locale, 'people.roleInvitationLine', {
    inviter: i.inviter ?? t(locale, 'people.theOrganizers'),
    role: i.role,
    event: i.title[locale],
    date: date(i.expiresAt)
  })
  return html`<li>
  <p>${line}</p>
  <form method="post" action="/moi/invitations/${i.id}/accepter?lang=${locale}"><button type="submit" ` +
    html`aria-label="${t(locale, 'people.roleInvitationAccept')} — ${i.title[locale]}">${t(locale, 'people.roleInvitationAccept')}</button></form>
  <form method="post" action="/moi/invitations/${i.id}/refuser?lang=${locale}"><button type="submit" ` +
    html`aria-label="${t(locale, 'people.roleInvitationDecline')} — ${i.title[locale]}">${t(locale, 'people.roleInvitationDecline')}</button></form>
</li>`
}).join('')}
</ul>
</section>`
}

/** A person's answer to a role offered to them (pages of /moi; same-origin forms with the CSRF token). */
export const roleInvitationRoutes: FastifyPluginAsyncZod<RoleInvitationRoutesOptions> = async (app, { people }) => {
  const sameOrigin = async (request: Parameters<typeof assertSameOrigin>[0]): Promise<void> => { assertSameOrigin(request) }
  const response = { 303: z.null(), ...errorResponses }

  for (const [action, accept] of [['accepter', true], ['refuser', false]] as const) {
    app.post(`/moi/invitations/:invitationId/${action}`, {
      config: { access: allow('role-invitation.answer', request => ({ kind: 'role-invitation', invitationId: param(request, 'invitationId') })) },
      onRequest: sameOrigin,
      schema: {
        operationId: accept ? 'acceptRoleInvitation' : 'declineRoleInvitation',
        tags: ['pages'],
        summary: accept
          ? 'Accepts a role one was invited to: the registration is added, recorded as given by the inviter; back to /moi'
          : 'Declines a role one was invited to: the invitation is removed, nothing else changes; back to /moi',
        params: invitationParams,
        querystring: langQuery,
        response
      }
    }, async (request, reply) => {
      await people.answerRoleInvitation(request.auth?.personId ?? '', request.params.invitationId, accept)
      return await reply.redirect(`/moi?lang=${request.locale}`, 303)
    })
  }
}
