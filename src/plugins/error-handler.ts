import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from '@fastify/type-provider-zod'
import { AppError, type Bilingual } from '../errors.js'
import { databaseUnavailable } from '../db/database.js'
import { ProgramFileError } from '../program/data-file.js'
import { errorPage } from '../views/error-page.js'
import { colon, t, type Locale, type TextKey } from '../views/i18n.js'
import { localeOf } from './locale.js'

interface Problem {
  statusCode: number
  code: string
  text: Bilingual
  details?: Array<{ field?: string, message: string }>
  /** Seconds: sent as Retry-After (a 503 the client may simply try again). */
  retryAfter?: number
}

/** PostgreSQL down or restarting: a failover or restart usually takes seconds. */
const DATABASE_RETRY_AFTER_SECONDS = 5

export const databaseUnavailableProblem: Problem = {
  statusCode: 503,
  code: 'database_unavailable',
  text: {
    fr: 'Le service est momentanément indisponible : la base de données ne répond pas. Réessayez dans quelques secondes.',
    en: 'The service is temporarily unavailable: the database is not answering. Please try again in a few seconds.'
  },
  retryAfter: DATABASE_RETRY_AFTER_SECONDS
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
}

/** Pages get HTML errors, the API and everything asking for JSON gets JSON. */
function wantsHtml (request: FastifyRequest): boolean {
  // Under /lti/ only dynamic registration is a page (shown to an LMS administrator).
  const ltiService = request.url.startsWith('/lti/') && !request.url.startsWith('/lti/register')
  if (request.url.startsWith('/api/') || ltiService || request.url === '/health' || request.url === '/ready') return false
  return (request.headers.accept ?? '').includes('text/html')
}

function problemOf (error: FastifyError | Error): Problem {
  if (error instanceof AppError) {
    return { statusCode: error.statusCode, code: error.code, text: error.text, ...(Array.isArray(error.details) ? { details: error.details } : {}) }
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map(v => ({
      field: [error.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].filter(Boolean).join('.'),
      message: v.message ?? 'invalid'
    }))
    return {
      statusCode: 400,
      code: 'validation_failed',
      text: { fr: `Données invalides : ${details.map(d => d.field).join(', ')}.`, en: `Invalid input: ${details.map(d => d.field).join(', ')}.` },
      details
    }
  }
  if (error instanceof ProgramFileError) {
    return {
      statusCode: 400,
      code: 'invalid_program_file',
      text: { fr: 'Le fichier de programme est invalide.', en: 'The program file is invalid.' },
      details: error.problems.map(message => ({ message }))
    }
  }
  if (databaseUnavailable(error)) return databaseUnavailableProblem
  const pgCode = (error as { code?: unknown }).code
  if (pgCode === '23505') return { statusCode: 409, code: 'conflict', text: { fr: 'Cet élément existe déjà.', en: 'This item already exists.' } }
  if (pgCode === '23503') return { statusCode: 409, code: 'conflict', text: { fr: 'Cet élément est lié à d\'autres données.', en: 'This item is referenced by other data.' } }
  // PostgreSQL cannot store U+0000 in text (nor characters its encoding lacks): the input is at fault.
  if (pgCode === '22021' || pgCode === '22P05') return { statusCode: 400, code: 'bad_request', text: { fr: 'Le texte contient un caractère qui ne peut pas être enregistré (caractère nul U+0000).', en: 'The text contains a character that cannot be stored (NUL, U+0000).' } }
  if (pgCode === '22P02') return { statusCode: 400, code: 'bad_request', text: { fr: 'Identifiant mal formé.', en: 'Malformed identifier.' } }
  // The multipart parser (busboy) reports a truncated body or a missing boundary as plain Errors:
  // the client sent a broken form, not a server failure.
  if (MULTIPART_PARSE_ERROR.test(error.message) && (error as FastifyError).statusCode === undefined) {
    return { statusCode: 400, code: 'bad_request', text: { fr: 'Formulaire multipart mal formé ou incomplet : envoyez-le de nouveau.', en: 'Malformed or incomplete multipart form: please send it again.' } }
  }
  const statusCode = (error as FastifyError).statusCode
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // Fastify's own client errors (malformed JSON, body too large, unsupported content type):
    // their messages are written for people already.
    return { statusCode, code: (error as FastifyError).code ?? 'bad_request', text: { fr: frenchFor(statusCode, error.message), en: error.message } }
  }
  return {
    statusCode: 500,
    code: 'internal_error',
    text: { fr: 'Une erreur interne est survenue.', en: 'An internal error occurred.' }
  }
}

const SIGN_IN_LINK_PAGE = /^\/(auth\/link|p)(\/|\?|$)/
const MULTIPART_PARSE_ERROR = /^(Unexpected end of multipart data|Multipart: Boundary not found|Boundary required)$/

function frenchFor (statusCode: number, english: string): string {
  switch (statusCode) {
    case 413: return 'Le contenu envoyé est trop volumineux.'
    case 415: return 'Ce type de contenu n\'est pas accepté.'
    case 400: return `Requête invalide : ${english}`
    case 404: return 'Introuvable.'
    case 405: return 'Méthode non permise.'
    case 429: return 'Trop de requêtes : réessayez dans un instant.'
    default: return english
  }
}

/** Page titles that say what happened (the message says why). */
const titles: Partial<Record<number, TextKey>> = { 401: 'common.signInRequiredTitle', 403: 'common.forbiddenTitle', 404: 'common.notFoundTitle' }

export function sendProblem (request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  reply.code(problem.statusCode)
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter))
  if (wantsHtml(request)) {
    const locale: Locale = localeOf(request, request.locale)
    const title = t(locale, titles[problem.statusCode] ?? (problem.statusCode >= 500 ? 'common.errorTitle' : 'common.invalidRequest'))
    // Only unexpected failures are masked; our own typed errors (503 included) say what happened.
    const message = problem.code === 'internal_error' ? t(locale, 'common.serverError') : problem.text[locale]
    return reply.type('text/html; charset=utf-8').send(errorPage({
      locale,
      statusCode: problem.statusCode,
      title,
      message,
      requestId: request.id,
      details: problem.details?.map(d => d.field !== undefined ? `${d.field}${colon(locale)} ${d.message}` : d.message),
      path: request.url.startsWith('/') ? request.url : '/',
      // A page that needs a session, or a sign-in or personal link that failed: where to get a new link.
      signInHelp: problem.statusCode === 401 || (problem.statusCode < 500 && SIGN_IN_LINK_PAGE.test(request.url))
    }))
  }
  return reply.type('application/json; charset=utf-8').send({
    statusCode: problem.statusCode,
    error: reasons[problem.statusCode] ?? 'Error',
    code: problem.code,
    message: problem.text.en,
    messageFr: problem.text.fr,
    requestId: request.id,
    ...(problem.details !== undefined ? { details: problem.details } : {})
  })
}

/**
 * Fastify's router refuses some URLs before any hook runs (a path parameter over
 * maxParamLength, a broken %-escape): they get our format too, in both languages.
 */
export function frameworkError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
  if ((request as { locale?: Locale }).locale === undefined) (request as { locale?: Locale }).locale = 'fr'
  sendProblem(request, reply, tooLong
    ? { statusCode: 414, code: 'uri_too_long', text: { fr: 'Adresse trop longue : un de ses éléments dépasse la longueur permise.', en: 'Address too long: one of its parts is longer than allowed.' } }
    : { statusCode: 400, code: 'bad_url', text: { fr: 'Adresse mal formée (caractère ou séquence % invalide).', en: 'Malformed address (invalid character or % sequence).' } })
}

/** The one place where failures become HTTP answers. */
export default fp(async (app) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = problemOf(error)
    if (problem.code === 'database_unavailable') {
      // Expected while PostgreSQL restarts: one line per request, not a stack trace each.
      request.log.warn({ code: problem.code, err: { message: error.message, code: (error as { code?: unknown }).code } }, 'database unavailable')
    } else if (problem.statusCode >= 500) {
      request.log.error({ err: error, serialization: isResponseSerializationError(error) }, 'request failed')
    } else {
      request.log.info({ code: problem.code, statusCode: problem.statusCode }, problem.text.en)
    }
    return sendProblem(request, reply, problem)
  })
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, {
    statusCode: 404,
    code: 'not_found',
    text: { fr: 'Cette adresse ne correspond à aucune ressource.', en: `No route for ${request.method} ${request.url.split('?')[0] ?? ''}.` }
  }))
}, { name: 'compagnon-errors' })
