// What the `then=` epilogues assert about the apps README blocks build: the behaviour the text
// around them promises (a login limited per e-mail read from a parsed body, the decision on the
// request), over real HTTP.

import { strict as assert } from 'node:assert'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ServerType, serve } from '@hono/node-server'

/** Something with Node's `listen` (an Express or Koa app). */
interface Listener {
  listen(port: number): Server
}

/** Starts `app` on a free port, runs `check` against its base URL, then closes it. */
export async function overHttp(app: Listener, check: (base: string) => Promise<void>): Promise<void> {
  const server = app.listen(0)
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  try {
    await check(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

const MAX_ATTEMPTS = 20

/**
 * `POST /login` with a JSON e-mail answers the app's own status (not a 400: the key read the
 * parsed body) until the `login` policy refuses with a problem+json 429 and `Retry-After`; a
 * second e-mail still has its own budget.
 */
export async function loginIsLimitedPerEmail(base: string): Promise<void> {
  const login = (email: string) =>
    fetch(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    })
  const first = await login('ann@example.com')
  assert.notEqual(first.status, 400, 'the key found no e-mail: is the body parsed before rateLimit?')
  assert.notEqual(first.status, 429, 'the first login was refused')
  assert.ok(first.status < 500, `the first login failed with ${first.status}`)
  assert.match(first.headers.get('ratelimit-policy') ?? '', /"login"/)
  let refused: Response | undefined
  for (let i = 1; i < MAX_ATTEMPTS && refused === undefined; i++) {
    const response = await login('ann@example.com')
    if (response.status === 429) refused = response
    else assert.equal(response.status, first.status)
  }
  assert.ok(refused !== undefined, `no 429 in ${MAX_ATTEMPTS} logins`)
  assert.equal(refused.headers.get('content-type')?.split(';')[0], 'application/problem+json')
  assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/)
  const problem = (await refused.json()) as Record<string, unknown>
  assert.deepEqual(problem['violated-policies'], ['login'])
  assert.notEqual((await login('bob@example.com')).status, 429, 'another e-mail shares the budget')
}

/** `GET /me` answers 200 with the number of requests left in `left`. */
export async function meShowsWhatIsLeft(base: string): Promise<void> {
  const response = await fetch(`${base}/me`)
  assert.equal(response.status, 200)
  const body = (await response.json()) as { left?: unknown }
  assert.equal(typeof body.left, 'number', `GET /me answered ${JSON.stringify(body)}`)
}

/** `GET /` on a Hono app, served on a free port, answers 200 with `left` and the draft-10 headers. */
export async function honoRootShowsWhatIsLeft(app: {
  fetch: Parameters<typeof serve>[0]['fetch']
}): Promise<void> {
  let server: ServerType | undefined
  const address = await new Promise<AddressInfo>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, resolve)
  })
  try {
    const response = await fetch(`http://127.0.0.1:${address.port}/`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('ratelimit') ?? '', /;r=\d+;t=\d+/)
    const body = (await response.json()) as { left?: unknown }
    assert.equal(typeof body.left, 'number', `GET / answered ${JSON.stringify(body)}`)
  } finally {
    await new Promise((resolve) => server?.close(resolve))
  }
}
