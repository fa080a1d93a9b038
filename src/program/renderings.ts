import { LRUCache } from 'lru-cache'
import { z } from 'zod'
import { RenderedCache, type Rendered } from '../http/rendered.js'
import { currentViewer } from '../http/viewer.js'
import { layout } from '../views/layout.js'
import type { Locale } from '../views/i18n.js'
import { programCalendar, sessionCalendar } from './ical.js'
import { momentKey, programPageMoment, programPageParts, type ProgramPageParts } from './pages.js'
import { programSchema } from './schemas.js'
import type { Program, ProgramService, ProgramVersion } from './service.js'

export interface RenderingLimits {
  /** Rendered answers kept (each with its gzip and brotli copies). */
  maxEntries: number
  /** Bytes they may take in all, compressed copies included. */
  maxBytes: number
}

/**
 * Enough for every page, feed and JSON of a few events in both languages (an answer and its two
 * compressed copies take ~80 KB for the 2025 program), and far below a server's memory.
 */
export const RENDERING_LIMITS: RenderingLimits = { maxEntries: 1000, maxBytes: 32 * 1024 * 1024 }

const HTML = 'text/html; charset=utf-8'
const JSON_TYPE = 'application/json; charset=utf-8'
const CALENDAR = 'text/calendar; charset=utf-8'

/**
 * The page's own address with only the parameters it reads (`lang`, `jour`, in their order):
 * other parameters change nothing on it, so they make no other copy of it either.
 */
export function pagePath (url: string): string {
  const parsed = new URL(url, 'http://x')
  const query = new URLSearchParams([...parsed.searchParams].filter(([name]) => name === 'lang' || name === 'jour')).toString()
  return query === '' ? parsed.pathname : `${parsed.pathname}?${query}`
}

/**
 * The program's public answers — the page, the JSON, the iCalendar feeds — each rendered once
 * per event, program version and language (and, for the page, address and moment), then kept
 * in this instance's memory, bounded. Callers read the version from the database at every
 * request (ProgramService.versionedEvent: one small query): an import through any instance
 * makes a new version, which the next request here renders.
 */
export class ProgramRenderings {
  readonly #bodies: RenderedCache
  /** The program per (event, version): another day or moment of the page renders without the database. */
  readonly #programs: LRUCache<string, Program, () => Promise<Program>>
  /** Page bodies without the site's frame: a signed-in viewer gets their own header around one of these. */
  readonly #pageParts: LRUCache<string, ProgramPageParts>

  constructor (private readonly service: ProgramService, private readonly publicUrl: string, limits: RenderingLimits = RENDERING_LIMITS) {
    this.#bodies = new RenderedCache(limits)
    this.#programs = new LRUCache({ max: 8, fetchMethod: async (_key, _stale, { context }) => await context() })
    this.#pageParts = new LRUCache({
      max: limits.maxEntries,
      maxSize: limits.maxBytes / 2,
      sizeCalculation: parts => 2 * (parts.body.length + parts.title.length) + 256
    })
  }

  async #program ({ eventId, version }: ProgramVersion): Promise<Program> {
    // Read after the version: at least as recent (newer only if an import lands in between,
    // and then this key is not asked for again).
    const program = await this.#programs.fetch(`${eventId}|${version}`, { context: async () => await this.service.getProgram(eventId) })
    if (program === undefined) throw new Error(`the program of ${eventId} could not be read`)
    return program
  }

  /** The program as the API answers it (GET /api/v1/events/:id/program): the same for every language. */
  async json (v: ProgramVersion): Promise<Rendered> {
    return await this.#bodies.get(`json|${v.eventId}|${v.version}`, JSON_TYPE, async () =>
      JSON.stringify(z.encode(programSchema, await this.#program(v))))
  }

  async calendar (v: ProgramVersion, locale: Locale): Promise<Rendered> {
    return await this.#bodies.get(`ics|${v.eventId}|${v.version}|${locale}`, CALENDAR, async () =>
      programCalendar(await this.#program(v), locale, this.publicUrl, v.revisedAt))
  }

  /** One session's calendar file, or undefined when this version of the program has no such session. */
  async sessionCalendar (v: ProgramVersion, sessionKey: string, locale: Locale): Promise<Rendered | undefined> {
    const program = await this.#program(v)
    // Checked before the cache: a key of no session keeps nothing.
    if (!program.days.some(d => d.slots.some(s => s.sessions.some(session => session.key === sessionKey)))) return undefined
    return await this.#bodies.get(`ics|${v.eventId}|${v.version}|${locale}|${sessionKey}`, CALENDAR, () =>
      sessionCalendar(program, sessionKey, locale, this.publicUrl, v.revisedAt) ?? '')
  }

  /**
   * The program page at `path` (from pagePath). Not signed in: one copy for everyone, kept with
   * its compressed copies. Signed in: the kept body in a header of the viewer's own, made now and
   * never kept — one person's name never reaches another.
   */
  async page (v: ProgramVersion, locale: Locale, path: string, day: string | undefined): Promise<Rendered | string> {
    const program = await this.#program(v)
    const moment = programPageMoment(program, { day, now: this.service.now() })
    const pathname = new URL(path, 'http://x').pathname
    const partsKey = `${v.eventId}|${v.version}|${locale}|${pathname}|${momentKey(moment)}`
    const parts = (): ProgramPageParts => {
      let found = this.#pageParts.get(partsKey)
      if (found === undefined) {
        found = programPageParts(program, locale, pathname, moment)
        this.#pageParts.set(partsKey, found)
      }
      return found
    }
    if (currentViewer() !== undefined) return layout({ locale, path, ...parts() })
    return await this.#bodies.get(`page|${partsKey}|${path}`, HTML, () => layout({ locale, path, ...parts() }))
  }

  /** What the rendered answers take now: entries and bytes (bounded by the limits). */
  get usage (): { entries: number, bytes: number } {
    return this.#bodies.usage
  }
}
