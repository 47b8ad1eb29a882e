// The app: one limit for every route (the module's guard), and the controllers' own.

import { Module } from '@nestjs/common'
import { SluiceModule } from '@sluice/nestjs'
import { AppController, ReportController } from './app.controller.ts'
import { api } from './limits.ts'

@Module({
  imports: [SluiceModule.forRoot({ limiter: api })],
  controllers: [AppController, ReportController],
})
export class AppModule {}
