/** The one BullMQ queue of the service and the typed payload of its jobs (BullMQ job id = our job id). */
export const RENDER_QUEUE = 'video-render';
export const RENDER_JOB_NAME = 'render-video';

export interface RenderJobData {
  jobId: string;
}
