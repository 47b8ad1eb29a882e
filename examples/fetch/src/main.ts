// Serves the example on Node through @hono/node-server; the client is the socket's peer address.
import { serve } from '@hono/node-server'
import { createApp, type NodeEnv } from './app.ts'
import { storeFor } from './store.ts'

const port = Number(process.env.PORT ?? 3000)
const { store, label, close } = storeFor(process.env.REDIS_URL)
const fetch = createApp<NodeEnv>(store, {
  clientAddress: (_request, env) => env.incoming.socket.remoteAddress,
})
const server = serve({ fetch, port, hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
  console.log(`sluice + fetch on http://${info.address}:${info.port} (${label})`)
  console.log(`try: curl -i http://127.0.0.1:${info.port}/`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => {
      void close().then(() => process.exit(0))
    })
    if ('closeAllConnections' in server) server.closeAllConnections()
  })
}
