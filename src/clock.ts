/**
 * Every rule that depends on the time of day reads this clock, never `new Date()`:
 * the 2025 event is in the past, so tests and `npm run demo` must be able to set "now".
 */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock fixed at an instant, advanced by hand. */
export class FixedClock implements Clock {
  #ms: number
  constructor (at: Date | string) {
    this.#ms = new Date(at).getTime()
    if (Number.isNaN(this.#ms)) throw new TypeError(`FixedClock: invalid instant ${String(at)}`)
  }

  now (): Date { return new Date(this.#ms) }
  set (at: Date | string): void { this.#ms = new Date(at).getTime() }
  advance (ms: number): void { this.#ms += ms }
}

/** Real time, shifted by a constant offset (used by the demo to place "now" inside the event week). */
export function offsetClock (offsetMs: number, base: Clock = systemClock): Clock {
  return { now: () => new Date(base.now().getTime() + offsetMs) }
}
