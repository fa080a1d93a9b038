import { html } from 'ghtml'
import { colon, formatStamp, intlLocale, markup, t, textOf, zoneName, type Locale, type TextKey } from '../views/i18n.js'
import { layout } from '../views/layout.js'
import { guideHref } from '../views/guide-links.js'
import { organizerBreadcrumbs, organizerNav } from '../views/organizer-nav.js'
import type { MessageKind } from './outbox.js'
import type { EventMessages, MessageRow, MessageStatus } from './service.js'

export const KIND_TEXT = {
  personal_link: 'messages.kindPersonalLink',
  attestation_issued: 'messages.kindAttestationIssued',
  attestation_hr_copy: 'messages.kindAttestationHrCopy',
  attestation_refused: 'messages.kindAttestationRefused',
  attestation_revoked: 'messages.kindAttestationRevoked',
  role_granted: 'messages.kindRoleGranted',
  sign_in_link: 'messages.kindSignInLink',
  role_invitation: 'messages.kindRoleInvitation'
} as const satisfies Record<MessageKind, TextKey>

export const STATUS_TEXT = {
  stored: 'messages.statusStored',
  pending: 'messages.statusPending',
  sent: 'messages.statusSent',
  failed: 'messages.statusFailed'
} as const satisfies Record<MessageStatus, TextKey>

export const base = (eventId: string): string => `/organisateurs/messages/${eventId}`

function deliveryNote (locale: Locale, sending: boolean): string {
  return sending
    ? html`<p>${t(locale, 'messages.sending')}</p>`
    : html`<p class="notice">${t(locale, 'messages.notSending')} <a href="${guideHref(locale, 'messages')}">${t(locale, 'messages.guide')}</a></p>`
}

export interface LinkNotice { name: string, to: string, status: MessageStatus, messageId: string }

export function messagesPage (locale: Locale, view: EventMessages & { notice?: LinkNotice | undefined }, path: string): string {
  const title = view.title[locale]
  const zone = view.timezone
  const sent = view.notice
  const notice = sent === undefined
    ? ''
    : html`<p class="notice" role="status">${t(locale, 'messages.newLinkCreated', { name: sent.name })} !${sent.status === 'stored'
        ? markup(locale, 'messages.newLinkStored', { to: sent.to }, {
          link: words => html`<a href="${base(view.eventId)}/${sent.messageId}?lang=${locale}">${words}</a>`
        })
        : html`${t(locale, 'messages.newLinkSending', { to: sent.to })}`}</p>`
  const counts = (['stored', 'pending', 'sent', 'failed'] as const).filter(s => view.counts[s] > 0)
    .map(s => `${t(locale, STATUS_TEXT[s])}${colon(locale)} ${view.counts[s].toLocaleString(intlLocale[locale])}`).join(' · ')
  return layout({
    locale,
    path,
    title: t(locale, 'messages.title'),
    body: html`!${organizerNav(locale, view.eventId, 'messages')}
<h1>${t(locale, 'messages.title')} — ${title}</h1>
!${deliveryNote(locale, view.sending)}
!${notice}
<p>${t(locale, 'messages.intro')}</p>
!${counts === '' ? '' : html`<p class="muted">${counts}</p>`}
!${view.messages.length === 0
  ? html`<p>${t(locale, 'messages.none')}</p>`
  : html`<table>
<caption class="muted">${t(locale, 'messages.caption', { zone: zoneName(zone, locale) })}</caption>
<thead><tr><th scope="col">${t(locale, 'messages.columnDate')}</th><th scope="col">${t(locale, 'messages.columnKind')}</th>` +
  html`<th scope="col">${t(locale, 'messages.columnTo')}</th><th scope="col">${t(locale, 'messages.columnSubject')}</th>` +
  html`<th scope="col">${t(locale, 'messages.columnStatus')}</th><th scope="col">${t(locale, 'messages.columnAttempts')}</th></tr></thead>
<tbody>!${view.messages.map(m => row(locale, view.eventId, m, zone))}</tbody>
</table>`}`
  })
}

function row (locale: Locale, eventId: string, m: MessageRow, zone: string): string {
  return html`<tr>
<td><time datetime="${m.created_at.toISOString()}">${formatStamp(m.created_at, locale, zone)}</time></td>
<td>${textOf(locale, KIND_TEXT, m.kind)}</td>
<td>${m.to_address}</td>
<td><a href="${base(eventId)}/${m.id}?lang=${locale}">${m.subject}</a>!${m.attachment_file_id !== null
  ? html` <span class="muted">${t(locale, 'messages.attachmentMark')}</span>`
  : ''}</td>
<td>${textOf(locale, STATUS_TEXT, m.status)}!${m.sent_at !== null ? html` <span class="muted">${formatStamp(m.sent_at, locale, zone)}</span>` : ''}</td>
<td>${m.attempts}!${m.last_error !== null ? html` — <span class="mono">${m.last_error}</span>` : ''}</td>
</tr>`
}

export function messagePage (locale: Locale, view: {
  eventId: string
  message: MessageRow
  title: { fr: string, en: string }
  timezone: string
  sending: boolean
}, path: string): string {
  const m = view.message
  const zone = view.timezone
  const attachmentUrl = `${base(view.eventId)}/${m.id}/piece-jointe`
  const nextTry = m.status === 'pending' ? html`<dt>${t(locale, 'messages.nextAttempt')}</dt><dd>${formatStamp(m.next_attempt_at, locale, zone)}</dd>` : ''
  return layout({
    locale,
    path,
    title: m.subject,
    body: html`!${organizerBreadcrumbs(locale, view.eventId, 'messages')}
<h1>${m.subject}</h1>
!${m.status === 'stored' ? html`<p class="notice">${t(locale, 'messages.storedNotSent')}</p>` : ''}
<dl class="receipt">
<dt>${t(locale, 'messages.columnKind')}</dt><dd>${textOf(locale, KIND_TEXT, m.kind)}</dd>
<dt>${t(locale, 'messages.columnTo')}</dt><dd>${m.to_address}</dd>
<dt>${t(locale, 'messages.created')}</dt><dd><time datetime="${m.created_at.toISOString()}">${formatStamp(m.created_at, locale, zone)}</time> ` +
  html`(${zoneName(zone, locale)})</dd>
<dt>${t(locale, 'messages.columnStatus')}</dt><dd>${textOf(locale, STATUS_TEXT, m.status)}!${m.sent_at !== null
  ? html` — ${formatStamp(m.sent_at, locale, zone)}`
  : ''}</dd>
<dt>${t(locale, 'messages.attempts')}</dt><dd>${m.attempts}!${m.last_error !== null
  ? html` — ${t(locale, 'messages.lastError')}${colon(locale)} <span class="mono">${m.last_error}</span>`
  : ''}</dd>
!${nextTry}
!${m.attachment_file_id !== null
  ? html`<dt>${t(locale, 'messages.attachment')}</dt><dd><a href="${attachmentUrl}" download>${m.attachment_name ?? t(locale, 'messages.download')}</a></dd>`
  : ''}
</dl>
<h2>${t(locale, 'messages.messageText')}</h2>
!${m.status === 'sent' && m.kind === 'personal_link' ? html`<p class="muted">${t(locale, 'messages.linkNotKept')}</p>` : ''}
<div class="answer">${m.body_text}</div>`
  })
}
