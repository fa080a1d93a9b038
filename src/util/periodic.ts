import type { FastifyInstance } from 'fastify'

/**
 * Runs `work` every `ms` in the background of an app: never two runs at once (a slow run is
 * not stacked), failures logged, counted in /metrics and retried at the next tick, the timer stopped when the app
 * closes and never keeping the process alive by itself.
 */
export function every (app: FastifyInstance, ms: number, what: string, work: () => Promise<unknown>): void {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    work().catch(err => { app.countBackgroundFailure(what); app.log.warn({ err }, `${what} failed`) }).finally(() => { running = false })
  }, ms)
  timer.unref()
  app.addHook('onClose', async () => { clearInterval(timer) })
}
