import { Module } from '@nestjs/common';
import { JobStore } from './job.store';

/** The job store on its own, so the worker and the HTTP features share it without importing each other. */
@Module({ providers: [JobStore], exports: [JobStore] })
export class JobStoreModule {}
