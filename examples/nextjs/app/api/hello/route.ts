// An App Router route handler wrapped by withRateLimit; on Vercel, x-real-ip is the client.
import { getRateLimit, withRateLimit } from '@sluice/fetch'
import { apiLimiter } from '../../../lib/limits'

export const GET = withRateLimit(
  (request: Request) => Response.json({ hello: 'world', remaining: getRateLimit(request)?.remaining }),
  { limiter: apiLimiter, ipHeader: 'x-real-ip' },
)
