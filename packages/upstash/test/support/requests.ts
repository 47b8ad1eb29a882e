import { vi } from 'vitest'

/** One HTTP request the client sent: its path, the commands in its body and the body's size. */
export interface SentRequest {
  readonly path: string
  readonly commands: unknown[][]
  readonly bytes: number
}

/**
 * Records every request `@upstash/redis` sends through the global `fetch` (the client looks it up
 * per request), letting each through unchanged. Call `stop()` to restore `fetch`.
 */
export function recordRequests(): { sent: SentRequest[]; stop: () => void } {
  const sent: SentRequest[] = []
  const original = globalThis.fetch
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input))
    const text = String(init?.body ?? 'null')
    const body = JSON.parse(text) as unknown[]
    const commands = Array.isArray(body[0]) ? (body as unknown[][]) : [body]
    sent.push({ path: url.pathname, commands, bytes: Buffer.byteLength(text) })
    return original(input, init)
  })
  return { sent, stop: () => spy.mockRestore() }
}
