import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from '@fastify/type-provider-zod'
import { AppError, ProgramFileError, type Bilingual } from '../errors.js'
import { databaseUnavailable } from '../db/database.js'
import { errorPage } from '../views/error-page.js'
import { bilingual, t, type Locale, type TextKey } from '../views/i18n.js'
import { localeOf } from './locale.js'

interface Problem {
  statusCode: number
  code: string
  text: Bilingual
  details?: Array<{ field?: string, message: string }>
  /** What a page shows instead of `details` (validation: each field's problem in words). */
  people?: Bilingual[]
  /** Seconds: sent as Retry-After (a 503 the client may simply try again). */
  retryAfter?: number
}

/** PostgreSQL down or restarting: a failover or restart usually takes seconds. */
const DATABASE_RETRY_AFTER_SECONDS = 5

export const databaseUnavailableProblem: Problem = {
  statusCode: 503,
  code: 'database_unavailable',
  text: bilingual('system.databaseUnavailable'),
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
    // An address (path or query) is not something a person typed: the link is at fault.
    if (error.validationContext === 'params' || error.validationContext === 'querystring') {
      return { statusCode: 400, code: 'validation_failed', text: bilingual('system.linkMalformed'), details, people: [] }
    }
    return {
      statusCode: 400,
      code: 'validation_failed',
      text: bilingual('system.formInvalid', { count: details.length }),
      details,
      people: error.validation.map(v => fieldProblem(emptyIsMissing(v.keyword, v.params), String(v.instancePath).split('/').filter(Boolean).at(-1), v.params))
    }
  }
  if (error instanceof ProgramFileError) {
    return {
      statusCode: 400,
      code: 'invalid_program_file',
      text: bilingual('system.programFileInvalid'),
      details: error.problems.map(message => ({ message }))
    }
  }
  if (databaseUnavailable(error)) return databaseUnavailableProblem
  const pgCode = (error as { code?: unknown }).code
  if (pgCode === '23505') return { statusCode: 409, code: 'conflict', text: bilingual('system.alreadyExists') }
  if (pgCode === '23503') return { statusCode: 409, code: 'conflict', text: bilingual('system.stillReferenced') }
  // PostgreSQL cannot store U+0000 in text (nor characters its encoding lacks): the input is at fault.
  if (pgCode === '22021' || pgCode === '22P05') return { statusCode: 400, code: 'bad_request', text: bilingual('system.nulCharacter') }
  if (pgCode === '22P02') return { statusCode: 400, code: 'bad_request', text: bilingual('system.malformedIdentifier') }
  // The multipart parser (busboy) reports a truncated body or a missing boundary as plain Errors:
  // the client sent a broken form, not a server failure.
  if (MULTIPART_PARSE_ERROR.test(error.message) && (error as FastifyError).statusCode === undefined) {
    return { statusCode: 400, code: 'bad_request', text: bilingual('system.multipartBroken') }
  }
  const statusCode = (error as FastifyError).statusCode
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // Fastify's own client errors (malformed JSON, body too large, unsupported content type):
    // their messages are written for people already.
    const own = FRAMEWORK_TEXT[statusCode]
    return {
      statusCode,
      code: (error as FastifyError).code ?? 'bad_request',
      text: own !== undefined ? bilingual(own) : { fr: error.message, en: error.message }
    }
  }
  return {
    statusCode: 500,
    code: 'internal_error',
    text: bilingual('system.internalError')
  }
}

const SIGN_IN_LINK_PAGE = /^\/(auth\/link|p)(\/|\?|$)/
const MULTIPART_PARSE_ERROR = /^(Unexpected end of multipart data|Multipart: Boundary not found|Boundary required)$/

/** Fastify's own client errors (malformed JSON, body too large…), said for people. */
const FRAMEWORK_TEXT: Partial<Record<number, TextKey>> = {
  400: 'system.requestMalformed',
  404: 'system.notFound',
  405: 'system.methodNotAllowed',
  413: 'system.contentTooLarge',
  415: 'system.contentTypeRefused'
}

/** Page titles that say what happened (the message says why, the links what to do next). */
const TITLES: Partial<Record<number, TextKey>> = {
  400: 'system.title400',
  401: 'system.title401',
  403: 'system.title403',
  404: 'system.title404',
  409: 'system.title409',
  413: 'system.title413',
  414: 'system.title400',
  415: 'system.title415',
  429: 'system.title429',
  503: 'system.title503'
}

/** A form field's problem in words: the field by its name for people, what is wrong with it. */
function fieldProblem (keyword: string, field: string | undefined, params: unknown): Bilingual {
  const label = field === undefined ? undefined : FIELD_TEXT[field]
  const name = label === undefined ? { fr: field ?? '?', en: field ?? '?' } : bilingual(label)
  // A text's length limits, when zod gives them: "(3 caractères au moins)".
  const { origin, minimum, maximum } = (params ?? {}) as { origin?: unknown, minimum?: unknown, maximum?: unknown }
  const limit: { key: TextKey, values: Record<string, number> } | undefined = origin === 'string' && keyword === 'too_small' && typeof minimum === 'number'
    ? { key: 'system.fieldTooShortBy', values: { minimum } }
    : origin === 'string' && keyword === 'too_big' && typeof maximum === 'number' ? { key: 'system.fieldTooLongBy', values: { maximum } } : undefined
  const key: TextKey = limit?.key ?? FIELD_PROBLEM[keyword] ?? 'system.fieldInvalid'
  return { fr: t('fr', key, { field: name.fr, ...limit?.values }), en: t('en', key, { field: name.en, ...limit?.values }) }
}

/** An empty field where at least one character is needed is a field left blank. */
function emptyIsMissing (keyword: string, params: unknown): string {
  const minimum = (params as { minimum?: unknown } | undefined)?.minimum
  return keyword === 'too_small' && (minimum === 1 || minimum === 1n) ? 'invalid_type' : keyword
}

/** zod's issue codes, as the person can act on them. */
const FIELD_PROBLEM: Partial<Record<string, TextKey>> = {
  invalid_type: 'system.fieldMissing',
  too_small: 'system.fieldTooShort',
  too_big: 'system.fieldTooLong',
  invalid_format: 'system.fieldFormat',
  invalid_string: 'system.fieldFormat',
  invalid_value: 'system.fieldChoice',
  invalid_enum_value: 'system.fieldChoice'
}

/** Form field names (French and English spellings used by our forms) and how people call them. */
const FIELD_TEXT: Partial<Record<string, TextKey>> = {
  email: 'system.fieldEmail',
  courriel: 'system.fieldEmail',
  name: 'system.fieldName',
  nom: 'system.fieldName',
  employer: 'system.fieldEmployer',
  employeur: 'system.fieldEmployer',
  language: 'system.fieldLanguage',
  langue: 'system.fieldLanguage',
  code: 'system.fieldCode',
  file: 'system.fieldFile',
  fichier: 'system.fieldFile',
  text: 'system.fieldText',
  texte: 'system.fieldText',
  comment: 'system.fieldComment',
  score: 'system.fieldScore',
  reason: 'system.fieldReason',
  role: 'system.fieldRole'
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  reply.code(problem.statusCode)
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter))
  if (wantsHtml(request)) {
    const locale: Locale = localeOf(request, request.locale)
    const title = t(locale, TITLES[problem.statusCode] ?? (problem.statusCode >= 500 ? 'system.title500' : 'system.title400'))
    // Only unexpected failures are masked; our own typed errors (503 included) say what happened.
    const message = problem.code === 'internal_error' ? t(locale, 'system.serverError') : problem.text[locale]
    return reply.type('text/html; charset=utf-8').send(errorPage({
      locale,
      statusCode: problem.statusCode,
      title,
      message,
      requestId: request.id,
      // People read what to correct in words; field paths and zod's messages stay in the JSON answer.
      details: problem.people !== undefined ? problem.people.map(p => p[locale]) : problem.details?.map(d => d.message),
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
    ? { statusCode: 414, code: 'uri_too_long', text: bilingual('system.addressTooLong') }
    : { statusCode: 400, code: 'bad_url', text: bilingual('system.addressMalformed') })
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
    text: bilingual('system.notFound')
  }))
}, { name: 'compagnon-errors' })
