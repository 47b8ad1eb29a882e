// A Cloudflare Worker: the client is the cf-connecting-ip header Cloudflare sets.
import { limitedApp } from './app.ts'

// Made on the first request: a Worker may not start timers while its module loads.
let handler: ((request: Request, env: unknown) => Promise<Response>) | undefined

export default {
  async fetch(request: Request, env: unknown): Promise<Response> {
    handler ??= limitedApp({ ipHeader: 'cf-connecting-ip' })
    try {
      return await handler(request, env)
    } catch (error) {
      // What the Worker's own error handling would log: here, sent back for the test to read.
      return new Response(`${(error as Error).name}: ${(error as Error).message}`, { status: 500 })
    }
  },
}
