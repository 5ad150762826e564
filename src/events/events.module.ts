import { Module } from '@nestjs/common';
import { JobStoreModule } from '../jobs/job-store.module';
import { JobEventBus } from './job-event-bus';

@Module({ imports: [JobStoreModule], providers: [JobEventBus], exports: [JobEventBus] })
export class EventsModule {}
