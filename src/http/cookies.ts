/**
 * Every cookie Compagnon sets, by name, and the options they share: here, below the domains,
 * because the request plumbing (CSRF, rate limits) reads cookies the domains set.
 */

/** The short-lived session (a JWT, src/people/authentication.ts). */
export const SESSION_COOKIE = 'compagnon_session'
/** The long-lived, revocable device session (signed). */
export const DEVICE_COOKIE = 'compagnon_device'
/** Signed cookie holding this browser's CSRF secret (src/http/csrf.ts derives tokens from it). */
export const CSRF_COOKIE = 'compagnon_csrf'
/** A random id kept on a phone that confirmed a room code before signing in (its pending scans). */
export const SCAN_COOKIE = 'compagnon_scan'
/**
 * A random nonce naming the browser that made those scans; its hash is stored with each pending
 * scan. A scan cookie handed to someone else, without this browser's nonce, completes nothing.
 * Cookies cannot prove a device: copying both cookies is lending the phone, and the short
 * completion window (code validity + 2 min, src/attendance/service.ts) bounds what that achieves.
 */
export const SCAN_DEVICE_COOKIE = 'compagnon_scan_device'

/** How long a device stays signed in, in seconds; its CSRF secret lives as long. */
export const DEVICE_MAX_AGE = 180 * 24 * 60 * 60

// Secure + SameSite=None so the cookies also work inside the LMS iframe; browsers treat
// http://127.0.0.1 and localhost as secure, so this works locally too. Partitioned (CHIPS)
// keeps them usable where third-party cookies are otherwise blocked.
export const cookieBase = { path: '/', httpOnly: true, secure: true, sameSite: 'none', partitioned: true } as const
