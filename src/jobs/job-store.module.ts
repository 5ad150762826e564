import { Module } from '@nestjs/common';
import { BatchStore } from '../batch/batch.store';
import { JobLogStore } from './job-log.store';
import { JobStore } from './job.store';
import { RenderStatsStore } from './render-stats.store';

/**
 * The stores of jobs and what hangs off them (logs, batches, render statistics), on their own, so the worker
 * and the HTTP features share them without importing each other.
 */
const STORES = [JobStore, JobLogStore, BatchStore, RenderStatsStore];

@Module({ providers: STORES, exports: STORES })
export class JobStoreModule {}
