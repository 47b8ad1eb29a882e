import { ioredisStore } from '@sluice/ioredis'
import express from 'express'
import { randomPrefix, redisClient } from './support/redis.ts'
import { describeRateLimit } from './support/suite.ts'

const client = redisClient()

describeRateLimit('Express 5, Redis store', {
  express,
  store: () => ioredisStore({ client, prefix: randomPrefix('express') }),
  full: false,
})
