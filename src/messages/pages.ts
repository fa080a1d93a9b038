import { html } from 'ghtml'
import { DateTime } from 'luxon'
import { colon, type Locale } from '../views/i18n.js'
import { layout } from '../views/layout.js'
import type { MessageKind } from './outbox.js'
import type { EventMessages, MessageRow, MessageStatus } from './service.js'

export const kindLabels: Record<MessageKind, { fr: string, en: string }> = {
  personal_link: { fr: 'Lien personnel', en: 'Personal link' },
  attestation_issued: { fr: 'Attestation émise', en: 'Attestation issued' },
  attestation_hr_copy: { fr: 'Copie aux ressources humaines', en: 'Copy to human resources' },
  attestation_refused: { fr: 'Demande d\'attestation refusée', en: 'Attestation request refused' },
  attestation_revoked: { fr: 'Attestation révoquée', en: 'Attestation revoked' },
  role_granted: { fr: 'Rôle attribué', en: 'Role granted' },
  sign_in_link: { fr: 'Lien de connexion demandé', en: 'Requested sign-in link' },
  role_invitation: { fr: 'Invitation à un rôle', en: 'Role invitation' }
}

export const statusLabels: Record<MessageStatus, { fr: string, en: string }> = {
  stored: { fr: 'Conservé — à transmettre', en: 'Stored — to pass on' },
  pending: { fr: 'En attente d\'envoi', en: 'Waiting to be sent' },
  sent: { fr: 'Envoyé', en: 'Sent' },
  failed: { fr: 'Échec : abandonné', en: 'Failed: given up' }
}

const labelOf = <K extends string>(labels: Record<K, { fr: string, en: string }>, key: string, locale: Locale): string =>
  (labels as Record<string, { fr: string, en: string }>)[key]?.[locale] ?? key

const stamp = (date: Date, zone: string): string => DateTime.fromJSDate(date, { zone }).toFormat('yyyy-LL-dd HH:mm')

export const base = (eventId: string): string => `/organisateurs/messages/${eventId}`

function deliveryNote (locale: Locale, sending: boolean): string {
  const fr = locale === 'fr'
  return sending
    ? html`<p>${fr ? 'Les messages sont envoyés par courriel (SMTP). Un envoi qui échoue est repris plus tard (30 s, 2 min, 10 min, puis toutes les heures) et abandonné après 10 tentatives.' : 'Messages are sent by email (SMTP). A failed send is tried again later (30 s, 2 min, 10 min, then every hour) and given up after 10 attempts.'}</p>`
    : html`<p class="notice">${fr ? 'Les messages ne sont pas envoyés par courriel : ils sont conservés ici pour que vous les transmettiez.' : 'Messages are not sent by email: they are kept here for you to pass on.'} ${fr ? '(Aucun serveur SMTP n\'est configuré : voir SMTP_URL dans le README.)' : '(No SMTP server is configured: see SMTP_URL in the README.)'}</p>`
}

export interface LinkNotice { name: string, to: string, status: MessageStatus, messageId: string }

export function messagesPage (locale: Locale, view: EventMessages & { notice?: LinkNotice | undefined }, path: string): string {
  const fr = locale === 'fr'
  const title = fr ? view.title.fr : view.title.en
  const zone = view.timezone
  const notice = view.notice === undefined
    ? ''
    : html`<p class="notice" role="status">${fr ? `Un nouveau lien personnel a été créé pour ${view.notice.name} ; l'ancien ne fonctionne plus.` : `A new personal link was created for ${view.notice.name}; the old one no longer works.`} !${view.notice.status === 'stored'
        ? html`${fr ? 'Le message est conservé :' : 'The message is stored:'} <a href="${base(view.eventId)}/${view.notice.messageId}?lang=${locale}">${fr ? 'ouvrez-le pour le transmettre' : 'open it to pass it on'}</a>${fr ? ` à ${view.notice.to}.` : ` to ${view.notice.to}.`}`
        : html`${fr ? `Il part par courriel à ${view.notice.to} dans la minute.` : `It is on its way by email to ${view.notice.to} within a minute.`}`}</p>`
  const counts = (['stored', 'pending', 'sent', 'failed'] as const).filter(s => view.counts[s] > 0)
    .map(s => `${labelOf(statusLabels, s, locale)}${colon(locale)} ${view.counts[s]}`).join(' · ')
  return layout({
    locale,
    path,
    title: fr ? 'Messages' : 'Messages',
    body: html`<p><a href="/organisateurs?lang=${locale}">${fr ? 'Espace organisation' : 'Organizer area'}</a></p>
<h1>${fr ? 'Messages' : 'Messages'} — ${title}</h1>
!${deliveryNote(locale, view.sending)}
!${notice}
<p>${fr ? 'Liens personnels, attestations émises, copies aux ressources humaines, refus et révocations.' : 'Personal links, issued attestations, copies to human resources, refusals and revocations.'} ${fr ? 'Pour envoyer son lien personnel à une personne, utilisez « Envoyer le lien par courriel » dans la liste des participant·e·s.' : 'To send someone their personal link, use "Email the link" in the participants list.'}</p>
!${counts === '' ? '' : html`<p class="muted">${counts}</p>`}
!${view.messages.length === 0
  ? html`<p>${fr ? 'Aucun message pour cet événement.' : 'No message for this event.'}</p>`
  : html`<table>
<caption class="muted">${fr ? `Heures de ${zone}, du plus récent au plus ancien` : `Times in ${zone}, newest first`}</caption>
<thead><tr><th scope="col">${fr ? 'Date' : 'Date'}</th><th scope="col">${fr ? 'Type' : 'Kind'}</th><th scope="col">${fr ? 'Destinataire' : 'To'}</th><th scope="col">${fr ? 'Objet' : 'Subject'}</th><th scope="col">${fr ? 'État' : 'Status'}</th><th scope="col">${fr ? 'Tentatives, dernière erreur' : 'Attempts, last error'}</th></tr></thead>
<tbody>!${view.messages.map(m => row(locale, view.eventId, m, zone))}</tbody>
</table>`}`
  })
}

function row (locale: Locale, eventId: string, m: MessageRow, zone: string): string {
  const fr = locale === 'fr'
  return html`<tr>
<td><time datetime="${m.created_at.toISOString()}">${stamp(m.created_at, zone)}</time></td>
<td>${labelOf(kindLabels, m.kind, locale)}</td>
<td>${m.to_address}</td>
<td><a href="${base(eventId)}/${m.id}?lang=${locale}">${m.subject}</a>!${m.attachment_file_id !== null ? html` <span class="muted">(${fr ? 'pièce jointe' : 'attachment'})</span>` : ''}</td>
<td>${labelOf(statusLabels, m.status, locale)}!${m.sent_at !== null ? html` <span class="muted">${stamp(m.sent_at, zone)}</span>` : ''}</td>
<td>${m.attempts}!${m.last_error !== null ? html` — <span class="mono">${m.last_error}</span>` : ''}</td>
</tr>`
}

export function messagePage (locale: Locale, view: { eventId: string, message: MessageRow, title: { fr: string, en: string }, timezone: string, sending: boolean }, path: string): string {
  const fr = locale === 'fr'
  const m = view.message
  const zone = view.timezone
  const attachmentUrl = `${base(view.eventId)}/${m.id}/piece-jointe`
  const nextTry = m.status === 'pending' ? html`<dt>${fr ? 'Prochaine tentative' : 'Next attempt'}</dt><dd>${stamp(m.next_attempt_at, zone)}</dd>` : ''
  return layout({
    locale,
    path,
    title: m.subject,
    body: html`<p><a href="${base(view.eventId)}?lang=${locale}">${fr ? 'Messages' : 'Messages'} — ${fr ? view.title.fr : view.title.en}</a></p>
<h1>${m.subject}</h1>
!${m.status === 'stored' ? html`<p class="notice">${fr ? 'Ce message n\'a pas été envoyé : copiez-le et transmettez-le à la personne (courriel, Teams…).' : 'This message was not sent: copy it and pass it on to the person (email, Teams…).'}</p>` : ''}
<dl class="receipt">
<dt>${fr ? 'Type' : 'Kind'}</dt><dd>${labelOf(kindLabels, m.kind, locale)}</dd>
<dt>${fr ? 'Destinataire' : 'To'}</dt><dd>${m.to_address}</dd>
<dt>${fr ? 'Créé le' : 'Created'}</dt><dd><time datetime="${m.created_at.toISOString()}">${stamp(m.created_at, zone)}</time> (${zone})</dd>
<dt>${fr ? 'État' : 'Status'}</dt><dd>${labelOf(statusLabels, m.status, locale)}!${m.sent_at !== null ? html` — ${stamp(m.sent_at, zone)}` : ''}</dd>
<dt>${fr ? 'Tentatives' : 'Attempts'}</dt><dd>${m.attempts}!${m.last_error !== null ? html` — ${fr ? 'dernière erreur' : 'last error'}${colon(locale)} <span class="mono">${m.last_error}</span>` : ''}</dd>
!${nextTry}
!${m.attachment_file_id !== null ? html`<dt>${fr ? 'Pièce jointe' : 'Attachment'}</dt><dd><a href="${attachmentUrl}" download>${m.attachment_name ?? (fr ? 'Télécharger' : 'Download')}</a></dd>` : ''}
</dl>
<h2>${fr ? 'Texte du message' : 'Message text'}</h2>
!${m.status === 'sent' && m.kind === 'personal_link' ? html`<p class="muted">${fr ? 'Une fois le message envoyé, le lien personnel n\'est plus conservé en clair.' : 'Once the message is sent, the personal link is no longer kept in clear.'}</p>` : ''}
<div class="answer">${m.body_text}</div>`
  })
}
