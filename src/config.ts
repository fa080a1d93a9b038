import { z } from 'zod'
import { resolve } from 'node:path'
import { attestationAssetsDir } from './paths.js'

/** Read once at start (server.ts, CLI tools); everything else receives the parsed object. */
const secret = z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 48`)')

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development')
    .describe('Kind of environment (the container image sets `production`). No behaviour of Compagnon depends on it: each has its own variable below.'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port the server listens on.'),
  HOST: z.string().min(1).default('127.0.0.1')
    .describe('Interface to listen on: `127.0.0.1` is this machine only; `0.0.0.0` in a container, or behind a proxy on another machine.'),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL, e.g. https://compagnon.example.org' }).optional()
    .describe('The address people use: links in emails, sign-in links, LMS registration, and the issuer of session tokens (every instance ' +
      'must have the same). Must be `https://…` off loopback: LMSs and phone cameras require it. Default: `http://HOST:PORT`'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional()
    .describe('`postgres://…`: use this PostgreSQL (15 or later) instead of the embedded database; `SESSION_SECRET`, ' +
      '`COOKIE_SECRET` and `CODE_SECRET` are then required. Default: the embedded database (PGlite) in `DATA_DIR`'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10)
    .describe('PostgreSQL connections per process, plus one that listens for queued work: ' +
      'instances × (this + 1) must stay below the server\'s `max_connections`.'),
  DATA_DIR: z.string().min(1).default('./data')
    .describe('Directory of the embedded database (`pgdata/`) and of the generated secrets (`secrets.json`, ' +
      'mode 0600). One process at a time holds it: the server and every command-line tool lock it.'),
  PROGRAM_FILE: z.string().min(1).optional()
    .describe('Program file loaded into an empty database at start (its format: ' +
      'docs/organisation/programme.md). Default: `src/program/data/ecole-automne-coproduction-2025.yaml`'),
  LTI_PLATFORMS_FILE: z.string().min(1).optional()
    .describe('JSON list of LMS platforms registered at start, before the server listens (format: `lti/platforms.example.json`).'),
  /** Size of the RSA key made for each registered LMS platform (it signs our messages to that platform). */
  LTI_KEY_BITS: z.enum(['2048', '3072', '4096'], { error: 'must be 2048, 3072 or 4096' }).default('4096').transform(Number)
    .describe('Size in bits of the RSA key Compagnon makes for each registered LMS platform (it signs our messages to that platform). ' +
      'Making a 4096-bit key takes a few seconds of CPU, once per platform.'),
  LTI_ALLOW_PRIVATE_URLS: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false').transform(value => value === 'true')
    .describe('`true` lets dynamic registration reach http and loopback or private-network addresses (development, tests with a local LMS; ' +
      '`npm run demo` sets it), never link-local or multicast. Keep `false` in production: https to public Internet addresses only.'),
  ATTESTATION_ASSETS_DIR: z.string().min(1).optional()
    .describe('Folder of the attestation PDF\'s texts (FR/EN), layout, letterhead, fonts and signature (docs/organisation/modele-attestation.md); ' +
      'door posters and pass sheets use its fonts too. Read at start: restart to apply a change. Default: `reports/attestation`'),
  ATTESTATION_DETAILS_DAYS: z.coerce.number().int().min(1).max(36500).default(365)
    .describe('Loi 25: days after issue during which the public verification page shows an attestation\'s whole content; ' +
      'afterwards the stored snapshot is minimised and only name, training, dates, hours, status and the hash check remain.'),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, e.g. smtps://user:password@smtp.example.org:465' }).optional()
    .describe('`smtp://…` or `smtps://user:password@host:465`: send messages (personal links, attestations, copies to HR, sign-in links people ask for) ' +
      'by email. Without it, messages are stored and shown to organizers (`/organisateurs/messages/…`): nothing depends on email.'),
  MAIL_FROM: z.string().min(3).default('Compagnon <no-reply@localhost>').describe('Sender of the emails (with `SMTP_URL`).'),
  SESSION_SECRET: secret.optional()
    .describe('Signs session tokens (JWT) and seals the Open Badges signing keys (changing it means a new signing key). ' +
      'Default: generated once into `DATA_DIR/secrets.json` with the embedded database; required with `DATABASE_URL`'),
  COOKIE_SECRET: secret.optional()
    .describe('Signs cookies (device sessions, CSRF) and seals the LTI keys and login state. Default: ' +
      'generated once into `DATA_DIR/secrets.json` with the embedded database; required with `DATABASE_URL`'),
  CODE_SECRET: secret.optional()
    .describe('HMAC key for codes that instances derive without shared state (room codes, passes) and for erasure tombstones (rotating it makes existing ' +
      'tombstones unrecognisable). Default: generated once into `DATA_DIR/secrets.json` with the embedded database; required with `DATABASE_URL`'),
  DEFAULT_LOCALE: z.enum(['fr', 'en']).default('fr')
    .describe('Language of the pages when neither `?lang=`, the `lang` cookie nor the browser\'s `Accept-Language` decides.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('Lowest level of the JSON log lines written on standard output (`silent`: none).'),
  /**
   * Which peers may set X-Forwarded-For: `false` (none), or the proxies' addresses / CIDR ranges,
   * comma-separated (`127.0.0.1,10.0.0.0/8`). `true` trusts any peer: only when the app is
   * reachable solely through the proxy.
   */
  TRUST_PROXY: z.string().trim().min(1).default('false').transform((value, ctx) => {
    if (['0', 'false', 'no'].includes(value)) return false
    if (['1', 'true', 'yes'].includes(value)) return true
    const list = value.split(',').map(v => v.trim()).filter(v => v !== '')
    const bad = list.filter(v => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(v) && !['loopback', 'linklocal', 'uniquelocal'].includes(v))
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `must be false, true, or proxy addresses / CIDR ranges separated by commas (not ${bad.join(', ')})` })
      return z.NEVER
    }
    return list
  }).describe('Which peers may set `X-Forwarded-For` and `X-Forwarded-Proto`: `false` (none), ' +
    'the proxies\' addresses or CIDR ranges separated by commas (`127.0.0.1,10.0.0.0/8`), or `true` (any peer: ' +
    'only when the app is reachable solely through the proxy). Client addresses decide the per-address ceilings of the rate limits.'),
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; otherwise only loopback may read it. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional()
    .describe('`GET /metrics` then requires `Authorization: Bearer <token>` (compared in constant time); ' +
      'without it only callers on this machine (loopback, no forwarding header) may read it.'),
  /** Loi 25: the person in charge of the protection of personal information, shown on the privacy notice. */
  PRIVACY_OFFICER_NAME: z.string().trim().min(2).default('Responsable de la protection des renseignements personnels')
    .describe('Loi 25: the person in charge of the protection of personal information, named on the privacy notice (`/confidentialite`).'),
  PRIVACY_OFFICER_EMAIL: z.email({ error: 'must be an email address' }).optional()
    .describe('How to reach them, on the privacy notice. Default: the event\'s contact email (program file)'),
  PRIVACY_OFFICER_PHONE: z.string().trim().min(3).optional().describe('Phone number shown with them on the privacy notice, when set.'),
  PRIVACY_OFFICER_EMAILS: z.string().trim().default('').transform((value, ctx) => {
    const list = value.split(',').map(v => v.trim().toLowerCase()).filter(v => v !== '')
    const bad = list.filter(v => !z.email().safeParse(v).success)
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `must be email addresses separated by commas (not ${bad.join(', ')})` })
      return z.NEVER
    }
    return list
  }).describe('Compagnon accounts (emails, comma-separated) of the privacy officers: they may erase a person who also belongs to events other ' +
    'than the caller\'s (organizers erase only people who belong to their events alone), and see every event\'s erasure requests.'),
  // Loi 25 retention, in days after the end of the event the data belongs to (docs/confidentialite.md).
  RETENTION_ATTENDANCE_DAYS: z.coerce.number().int().min(1).max(36500).default(730)
    .describe('Loi 25: days after the end of an event before its attendance records (check-ins, door scans, ' +
      'corrections and their history, excuses, choices) are deleted; passes once every event of their holder is past it.'),
  RETENTION_SUBMISSIONS_DAYS: z.coerce.number().int().min(1).max(36500).default(365)
    .describe('Loi 25: days after the end of an event before synthesis drafts, hand-ins and their files, local grades, ' +
      'grading history and extensions are deleted (never while a grade is still queued for the LMS).'),
  RETENTION_MESSAGES_DAYS: z.coerce.number().int().min(1).max(36500).default(180)
    .describe('Loi 25: days after the end of an event before its sent and stored messages are deleted (not those still waiting for SMTP).'),
  RETENTION_PEOPLE_DAYS: z.coerce.number().int().min(1).max(36500).default(1095)
    .describe('Loi 25: days after the end of the last event a person belongs to before they are anonymised (name, ' +
      'email, employer, LMS identity, sessions, links, attestation requests).'),
  RETENTION_ACCESS_LOG_DAYS: z.coerce.number().int().min(1).max(36500).default(1095)
    .describe('Loi 25: days after the end of an event before rows of the staff access log are deleted.'),
  DOCS_URL: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL, e.g. https://guide.example.org/aide' }).optional()
    .describe('Address of a published copy of this guide (the output of `npm run docs:build` on any web server): ' +
      '`/aide/…` then redirects there, page for page. Default: Compagnon serves the guide it was built with, at `/aide/`')
})

export type Env = z.infer<typeof envSchema>

export interface Secrets {
  /** Signs our short-lived session JWTs. */
  sessionSecret: string
  /** Signs cookies. */
  cookieSecret: string
  /** HMAC key for codes derived without shared state (rotating room codes, passes). */
  codeSecret: string
}

export interface Config {
  env: Env['NODE_ENV']
  port: number
  host: string
  publicUrl: string
  database: { kind: 'postgres', url: string, poolMax: number } | { kind: 'embedded', dataDir: string }
  dataDir: string
  programFile: string | undefined
  /** JSON file of LTI platform registrations applied at start. */
  ltiPlatformsFile: string | undefined
  /** RSA modulus of the tool key made for each platform at registration (4096 by default). */
  ltiKeyBits: number
  /** Dynamic registration may reach http, loopback and private addresses (development, tests). */
  ltiAllowPrivateUrls: boolean
  /** Folder of the attestation's texts, layout, fonts and signature (default reports/attestation). */
  attestationAssetsDir: string
  /**
   * Loi 25: days after issue during which the public verification page shows an attestation's
   * whole content (sessions, employer); afterwards only name, title, dates, hours, status and the hash check.
   */
  attestationDetailsDays: number
  /** Outgoing email; without it messages are stored for organizers to read (nothing depends on email). */
  smtp: { url: string, from: string } | undefined
  defaultLocale: 'fr' | 'en'
  logLevel: Env['LOG_LEVEL']
  /** Fastify's trustProxy: false, true, or the addresses / CIDR ranges of the trusted proxies. */
  trustProxy: boolean | string[]
  /** Bearer token for GET /metrics; without it /metrics answers loopback callers only. */
  metricsToken: string | undefined
  /** Loi 25: who answers for the protection of personal information (privacy notice). */
  privacyOfficer: { name: string, email: string | undefined, phone: string | undefined }
  /** Loi 25: accounts (lower-case emails) that may erase a person across events. */
  privacyOfficerEmails: string[]
  /** Loi 25: days after the end of an event before each kind of data is purged or anonymised. */
  retention: { attendanceDays: number, submissionsDays: number, messagesDays: number, peopleDays: number, accessLogDays: number }
  /** Where /aide/ sends people: a published copy of the guide (no trailing slash); undefined = the guide built with this install. */
  docsUrl: string | undefined
  /** Secrets given in the environment; embedded mode fills the missing ones from DATA_DIR. */
  secrets: Partial<Secrets>
}

export type ResolvedConfig = Omit<Config, 'secrets'> & { secrets: Secrets }

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig (environment: Record<string, string | undefined> = process.env): Config {
  // An empty variable (`FOO=`) means "not set", as shells and compose files commonly produce.
  const cleaned = Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(cleaned)
  if (!parsed.success) {
    const lines = parsed.error.issues.map(issue => {
      const name = String(issue.path[0] ?? '(environment)')
      const given = cleaned[name]
      const shown = given === undefined || /SECRET|SMTP_URL|TOKEN/.test(name) ? '' : ` (got ${JSON.stringify(given)})`
      return `  - ${name}: ${issue.message}${shown}`
    })
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  const env = parsed.data
  const dataDir = resolve(env.DATA_DIR)
  const shownHost = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST
  const secrets: Partial<Secrets> = {}
  if (env.SESSION_SECRET !== undefined) secrets.sessionSecret = env.SESSION_SECRET
  if (env.COOKIE_SECRET !== undefined) secrets.cookieSecret = env.COOKIE_SECRET
  if (env.CODE_SECRET !== undefined) secrets.codeSecret = env.CODE_SECRET
  if (env.DATABASE_URL !== undefined) {
    const missing = (['SESSION_SECRET', 'COOKIE_SECRET', 'CODE_SECRET'] as const).filter(k => env[k] === undefined)
    if (missing.length > 0) {
      throw new ConfigError(`Invalid configuration:\n${missing.map(
        k => `  - ${k}: required when DATABASE_URL is set (several instances must share it; generate one with \`openssl rand -base64 48\`)`
      ).join('\n')}`)
    }
  }
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    publicUrl: (env.PUBLIC_URL ?? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${env.PORT}`).replace(/\/+$/, ''),
    database: env.DATABASE_URL !== undefined
      ? { kind: 'postgres', url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX }
      : { kind: 'embedded', dataDir },
    dataDir,
    programFile: env.PROGRAM_FILE !== undefined ? resolve(env.PROGRAM_FILE) : undefined,
    ltiPlatformsFile: env.LTI_PLATFORMS_FILE !== undefined ? resolve(env.LTI_PLATFORMS_FILE) : undefined,
    ltiKeyBits: env.LTI_KEY_BITS,
    ltiAllowPrivateUrls: env.LTI_ALLOW_PRIVATE_URLS,
    attestationAssetsDir: env.ATTESTATION_ASSETS_DIR !== undefined ? resolve(env.ATTESTATION_ASSETS_DIR) : attestationAssetsDir,
    attestationDetailsDays: env.ATTESTATION_DETAILS_DAYS,
    smtp: env.SMTP_URL !== undefined ? { url: env.SMTP_URL, from: env.MAIL_FROM } : undefined,
    defaultLocale: env.DEFAULT_LOCALE,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    metricsToken: env.METRICS_TOKEN,
    privacyOfficer: { name: env.PRIVACY_OFFICER_NAME, email: env.PRIVACY_OFFICER_EMAIL, phone: env.PRIVACY_OFFICER_PHONE },
    privacyOfficerEmails: env.PRIVACY_OFFICER_EMAILS,
    retention: {
      attendanceDays: env.RETENTION_ATTENDANCE_DAYS,
      submissionsDays: env.RETENTION_SUBMISSIONS_DAYS,
      messagesDays: env.RETENTION_MESSAGES_DAYS,
      peopleDays: env.RETENTION_PEOPLE_DAYS,
      accessLogDays: env.RETENTION_ACCESS_LOG_DAYS
    },
    docsUrl: env.DOCS_URL?.replace(/\/+$/, ''),
    secrets
  }
}
