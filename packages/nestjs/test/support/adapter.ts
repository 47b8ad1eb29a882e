// How the binding conformance suite drives @sluice/nestjs: a Nest app per test, on Express or Fastify.
import type { RequestListener } from 'node:http'
import {
  All,
  type CanActivate,
  Controller,
  type ExecutionContext,
  HttpCode,
  HttpException,
  Module,
  Req,
  UseGuards,
} from '@nestjs/common'
import type { AppSpec, BindingAdapter } from '@sluice/binding-conformance'
import type { Decision } from '@sluice/core'
import {
  type HttpRequest,
  type OnLimited,
  RateLimit,
  type RateLimitGuardOf,
  type RateLimitOptions,
  rateLimit,
  SluiceModule,
  type SluiceModuleOptions,
} from '../../src/index.ts'
import { nestMajor, type Platform, startNest, whenStarted } from './nestApp.ts'

type Request = HttpRequest & { readonly url: string; readonly rateLimit?: Decision }

/** Every path, root included, in each router's wildcard syntax. */
const ANY_PATH: Record<Platform, string> = { express: '{*path}', fastify: '*' }

/**
 * Both platforms add a charset to a JSON body's type; Nest 11's Express adapter sends its own type
 * for an error body that is not `application/json` (so the guard leaves it to Nest there).
 */
const PROBLEM_CONTENT_TYPE: Record<Platform, string> = {
  express: nestMajor < 12 ? 'application/json; charset=utf-8' : 'application/problem+json; charset=utf-8',
  fastify: 'application/problem+json; charset=utf-8',
}

/** A new controller class per app: decorator metadata lives on the class and its method. */
function catchAll(
  platform: Platform,
  spec: Pick<AppSpec<unknown>, 'handle'>,
  guards: readonly CanActivate[],
) {
  @Controller()
  class CatchAllController {
    @All(ANY_PATH[platform])
    @HttpCode(200)
    @UseGuards(...guards)
    async handle(@Req() req: Request): Promise<unknown> {
      const { status, body } = await spec.handle(req.rateLimit)
      // Nest sends a handler's result with the route's status: any other is an HttpException.
      if (status !== 200) throw new HttpException(body as object, status)
      return body
    }
  }
  return CatchAllController
}

function serve(platform: Platform, spec: AppSpec<unknown>, module: () => unknown): RequestListener {
  const started = startNest(platform, module() as never, { trustProxy: spec.trustProxy, failed: spec.failed })
  return whenStarted(
    started.then(({ listener }) => listener),
    spec.failed,
  )
}

const shared = {
  header: (req: Request, name: string) => {
    const value = req.headers[name]
    return Array.isArray(value) ? value.join(', ') : value
  },
  path: (req: Request) => new URL(req.url, 'http://x').pathname,
  onLimited:
    (
      reply: (limited: Parameters<OnLimited>[0], decision: Decision | undefined) => Promise<unknown>,
    ): OnLimited =>
    async (limited, context: ExecutionContext) => {
      const req = context.switchToHttp().getRequest<Request>()
      return new HttpException((await reply(limited, req.rateLimit)) as object, limited.status)
    },
  clientAddressSource: 'req.ip',
  trustProxy: true,
} as const

/** The `rateLimit(options)` guard: each "middleware" is one guard in `@UseGuards`, in order. */
export function guardAdapter(platform: Platform): BindingAdapter<Request, CanActivate> {
  return {
    ...shared,
    problemContentType: PROBLEM_CONTENT_TYPE[platform],
    rateLimit: (options) => rateLimit(options as RateLimitOptions<Request>),
    events: (guard) => (guard as RateLimitGuardOf).events,
    app: (spec) =>
      serve(platform, spec, () => {
        const controller = catchAll(platform, spec, spec.middlewares)
        @Module({ controllers: [controller] })
        class AppModule {}
        return AppModule
      }),
  }
}

/**
 * The module way: the first "middleware" is `SluiceModule.forRoot(options)` (its global guard), any
 * others a `@RateLimit(options)` each on the handler, adding their limits in order.
 */
export function moduleAdapter(platform: Platform): BindingAdapter<Request, RateLimitOptions<Request>> {
  return {
    ...shared,
    problemContentType: PROBLEM_CONTENT_TYPE[platform],
    factory: 'SluiceModule.forRoot',
    // forRoot validates, so bad options throw here as a factory's do; the app calls it again.
    rateLimit: (options) => {
      SluiceModule.forRoot(options as SluiceModuleOptions)
      return options as RateLimitOptions<Request>
    },
    app: (spec) =>
      serve(platform, spec, () => {
        const [first, ...more] = spec.middlewares
        const controller = catchAll(platform, spec, [])
        const descriptor = Object.getOwnPropertyDescriptor(
          controller.prototype,
          'handle',
        ) as PropertyDescriptor
        for (const options of more.reverse()) RateLimit(options)(controller.prototype, 'handle', descriptor)
        @Module({
          imports: [SluiceModule.forRoot((first ?? {}) as SluiceModuleOptions)],
          controllers: [controller],
        })
        class AppModule {}
        return AppModule
      }),
  }
}
