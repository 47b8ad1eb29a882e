// Served by Deno.serve: the client is the peer address Deno reports (info.remoteAddr).
import { limitedApp } from './app.ts'

interface DenoInfo {
  readonly remoteAddr: { readonly hostname: string }
}
declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen: (addr: { port: number }) => void },
    handler: (request: Request, info: DenoInfo) => Promise<Response>,
  ): unknown
}

const handler = limitedApp<DenoInfo>({
  clientAddress: (_request, info) => info.remoteAddr.hostname,
})
Deno.serve(
  { port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(JSON.stringify({ port })) },
  handler,
)
