// Served by Bun.serve: the client is the peer address Bun reports (server.requestIP).
import { limitedApp } from './app.ts'

interface BunServer {
  readonly port: number
  requestIP(request: Request): { readonly address: string } | null
}
declare const Bun: {
  serve(options: {
    port: number
    hostname: string
    fetch: (request: Request, server: BunServer) => Promise<Response>
  }): BunServer
}

const fetch = limitedApp<BunServer>({
  clientAddress: (request, server) => server.requestIP(request)?.address,
})
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch })
console.log(JSON.stringify({ port: server.port }))
