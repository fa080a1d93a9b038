// A preview thread (see preview-pool.ts). It only reads the bytes it is given and answers HTML
// or a refusal: no database, no network, nothing written. The pool ends the thread when it runs
// too long or needs too much memory, so nothing here has to be interruptible. mammoth is loaded
// with the thread, before any task: its loading time is not counted against a preview's limit.
import type { MessagePort } from 'node:worker_threads'
import mammoth from 'mammoth'
import { inspectArchive, type ArchiveLimits, type ArchiveRefusal } from '../files/archive-limits.js'

export interface PreviewTask {
  bytes: Uint8Array
  limits: ArchiveLimits
  /** Told when this thread starts the task: the pool's time limit counts from then, not from the queue. */
  started: MessagePort
}

export type PreviewRefusal = ArchiveRefusal | 'time' | 'memory'
export type PreviewOutcome = { ok: true, html: string } | { ok: false, reason: PreviewRefusal }

export default async function preview (task: PreviewTask): Promise<PreviewOutcome> {
  task.started.postMessage('started')
  task.started.close()
  const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength)
  const refusal = await inspectArchive(bytes, task.limits)
  if (refusal !== undefined) return { ok: false, reason: refusal }
  try {
    const result = await mammoth.convertToHtml({ buffer: bytes })
    return { ok: true, html: result.value }
  } catch {
    return { ok: false, reason: 'unreadable' }
  }
}
