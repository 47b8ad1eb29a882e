// The routes: what each limits is said by its decorators, on top of the module's app-wide limit.

import { Body, Controller, Get, HttpCode, Post, Req, UnauthorizedException } from '@nestjs/common'
import type { Decision } from '@sluice/core'
import { clientAddressKey } from '@sluice/core/http'
import { RateLimit, SkipRateLimit } from '@sluice/nestjs'
import { login, reports } from './limits.ts'

/** Express's request or Fastify's: both have `ip` (after trust proxy) and the parsed `body`. */
interface Request {
  readonly ip?: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body?: { readonly email?: unknown }
  readonly rateLimit?: Decision
}

/** The login limit counts per email, or per client address when none is given. */
function byEmail(req: Request): string {
  const email = req.body?.email
  return typeof email === 'string' && email !== ''
    ? `email:${email.toLowerCase()}`
    : `ip:${clientAddressKey(req.ip)}`
}

@Controller()
export class AppController {
  @Get()
  hello(@Req() req: Request) {
    return { hello: 'world', remaining: req.rateLimit?.remaining }
  }

  @Get('health')
  @SkipRateLimit()
  health() {
    return { ok: true }
  }

  // A limit of its own, after the app-wide one: a refusal names the policy that refused.
  @Post('login')
  @RateLimit({ limiter: login, policyName: 'login', key: byEmail })
  signIn(@Body() _body: unknown): never {
    throw new UnauthorizedException('wrong password')
  }

  // No limiter: this changes the app-wide limit for this route, which takes 10 units a request.
  @Get('export')
  @RateLimit({ cost: 10 })
  exportAll() {
    return { rows: 1000 }
  }
}

@Controller('report')
@RateLimit({ limiter: reports, maxDelayMs: '1s' })
export class ReportController {
  @Get()
  @HttpCode(200)
  report(@Req() req: Request) {
    return { report: 'ready', waitedMs: req.rateLimit?.delayMs }
  }
}
