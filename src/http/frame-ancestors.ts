/** How long a read of the registered platforms serves before it is refreshed in the background. */
export const FRAME_ANCESTORS_TTL_MS = 60_000

/**
 * Canvas Cloud signs launches as https://canvas.instructure.com (and its beta and test twins)
 * for every tenant, but frames the tool from the tenant's own https://<school>.instructure.com.
 */
const CANVAS_ISSUERS = new Set(['https://canvas.instructure.com', 'https://canvas.beta.instructure.com', 'https://canvas.test.instructure.com'])

/** The origin of a URL as a CSP source (scheme://host[:port]), or undefined for anything else. */
export function originOf (url: string | null): string | undefined {
  if (url === null) return undefined
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined
    return parsed.origin
  } catch {
    return undefined
  }
}

/** A registered LMS, as far as framing goes: its issuer and its login URL. */
export interface FramingPlatform { platformUrl: string, authEndpoint: string | null }

/** The origins that may frame our pages: each registered LMS's issuer and login URL. */
export function frameOrigins (platforms: FramingPlatform[]): string[] {
  const origins = new Set<string>()
  for (const p of platforms) {
    for (const origin of [originOf(p.platformUrl), originOf(p.authEndpoint)]) if (origin !== undefined) origins.add(origin)
    if (CANVAS_ISSUERS.has(originOf(p.platformUrl) ?? '')) origins.add('https://*.instructure.com')
  }
  return [...origins].sort()
}

/**
 * The registered platforms' origins, read at most once per TTL, never on the request path except
 * for the very first read. A refresh that fails keeps the last list. The LMS domain owns the
 * platforms: it hands in `platforms`, the read, so this layer never imports it.
 */
export class FrameAncestors {
  readonly #platforms: () => Promise<FramingPlatform[]>
  readonly #onChange: (origins: string[]) => void
  readonly #onError: (err: unknown) => void
  #origins: string[] = []
  /** performance.now() of the last read (a cache age, not a rule: the injected clock is not used). */
  #readAt = -Infinity
  #loading: Promise<void> | undefined
  #loaded = false

  constructor (platforms: () => Promise<FramingPlatform[]>, onChange: (origins: string[]) => void, onError: (err: unknown) => void) {
    this.#platforms = platforms
    this.#onChange = onChange
    this.#onError = onError
  }

  get origins (): string[] { return this.#origins }
  /** Whether the platforms were read once (successfully or not). */
  get loaded (): boolean { return this.#loaded }

  /** Called on every request: starts a background read when the last one is older than the TTL. */
  refreshIfStale (): void {
    if (this.#loading === undefined && performance.now() - this.#readAt > FRAME_ANCESTORS_TTL_MS) this.refresh().catch(() => {})
  }

  /** Reads the platforms now (a platform was just registered, approved or suspended). */
  async refresh (): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const origins = frameOrigins(await this.#platforms())
        if (origins.join(' ') !== this.#origins.join(' ')) {
          this.#origins = origins
          this.#onChange(origins)
        }
      } catch (err) {
        this.#onError(err)
      } finally {
        this.#readAt = performance.now()
        this.#loaded = true
        this.#loading = undefined
      }
    })()
    await this.#loading
  }
}
