import { CookieJar, type LaunchResult } from './lti-platform.js'

export const LAUNCH_CONTINUATION = /^\/cours\/suite\/[A-Za-z0-9_-]{43}\?lang=(fr|en)(&vers=[a-z0-9:-]+)?$/

/**
 * Follows a launch's redirects the way a browser in the LMS frame does, with the cookies the
 * launch set (or none, as when the frame blocks them); stops at the first non-redirect answer.
 */
export async function landAfterLaunch (base: string, result: LaunchResult, options: { cookies?: CookieJar, accept?: string } = {}): Promise<{
  status: number
  path: string
  contentType: string
  body: string
  hops: string[]
}> {
  const jar = options.cookies ?? result.cookies
  const hops: string[] = []
  let location = result.launchResponse.headers.get('location') ?? ''
  for (let i = 0; i < 5; i++) {
    hops.push(location)
    const res = await fetch(new URL(location, base), {
      headers: { cookie: jar.header(), accept: options.accept ?? 'text/html', 'accept-language': 'fr-CA' },
      redirect: 'manual'
    })
    jar.store(res)
    const next = res.headers.get('location')
    if (res.status < 300 || res.status >= 400 || next === null) {
      return { status: res.status, path: location, contentType: res.headers.get('content-type') ?? '', body: await res.text(), hops }
    }
    location = next
  }
  throw new Error(`too many redirects: ${hops.join(' → ')}`)
}

export { CookieJar }
