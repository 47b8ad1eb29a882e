// Next.js middleware (Next.js 16 calls it proxy.ts): refuse, or go on with the rate-limit headers.
import { rateLimit, rateLimitHeaders } from '@sluice/fetch'
import { type NextRequest, NextResponse } from 'next/server'
import { middlewareLimiter } from './lib/limits'

const limit = rateLimit({ limiter: middlewareLimiter, ipHeader: 'x-real-ip' })

export async function middleware(request: NextRequest): Promise<Response> {
  const refused = await limit(request)
  return refused ?? NextResponse.next({ headers: rateLimitHeaders(request) })
}

export const config = { matcher: '/mw' }
