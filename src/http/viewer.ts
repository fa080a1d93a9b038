import { AsyncLocalStorage } from 'node:async_hooks'

/** Something the viewer's menu links to: already worded in both languages (the page picks one). */
export interface ViewerLink {
  label: { fr: string, en: string }
  /** A same-site path without `lang` (the header adds the page's language), possibly with a #fragment. */
  href: string
}

/**
 * Who is looking at the page, as the site's header shows it: a plain value, so that the header
 * (src/views/layout.ts) knows the person without importing the domain that looks them up.
 */
export interface Viewer {
  name: string
  /** The event the page is about, or the person's one event; empty when neither is useful. */
  events: ViewerLink[]
}

const store = new AsyncLocalStorage<Viewer>()

/**
 * Runs the rest of a request (`next`: a hook's `done`) with this viewer in reach of every page
 * rendered for it. Request-scoped rather than a parameter of the layout, which some fifty page
 * functions call.
 */
export function runAsViewer (viewer: Viewer, next: () => void): void {
  store.run(viewer, next)
}

/** The person the page being rendered is for, if the request is a signed-in one. */
export function currentViewer (): Viewer | undefined {
  return store.getStore()
}
