import type { Api, Job, JobUpdate } from './api';
import { el, showError } from './dom';

const ACTIVE = new Set(['queued', 'processing']);

export interface JobActions {
  play(job: Job): void;
  download(job: Job): void;
}

/**
 * The user's jobs, newest first, one <li> each (data-job-id, data-status), patched in place by live updates so
 * progress moves without reloading the list.
 */
export class JobsView {
  private readonly jobs = new Map<string, Job>();
  private reading: Promise<void> | null = null;
  private readAgain = false;

  constructor(
    private readonly list: HTMLUListElement,
    private readonly errors: HTMLElement,
    private readonly api: Api,
    private readonly actions: JobActions,
  ) {}

  /** Reads the list afresh; asked again while a read is under way, it reads once more after it (never more). */
  reload(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = this.read().finally(() => {
      this.reading = null;
      if (this.readAgain) {
        this.readAgain = false;
        void this.reload();
      }
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      const { data } = await this.api.jobs();
      this.jobs.clear();
      this.list.replaceChildren(...data.map((job) => this.render(job)));
      this.errors.textContent = '';
    } catch (error) {
      showError(this.errors, error);
    }
  }

  /** A job just created here: shown at once, ahead of the others (unless an update already brought it in). */
  add(job: Job): void {
    if (!this.jobs.has(job.job_id)) this.list.prepend(this.render(job));
  }

  /** A `job.update`; false when the job is not on the list (created elsewhere), so the caller reloads. */
  update(update: JobUpdate): boolean {
    const job = this.jobs.get(update.job_id);
    if (!job) return false;
    const row = this.row(update.job_id);
    row?.replaceWith(this.render({ ...job, ...update }));
    return true;
  }

  forget(jobId: string): void {
    this.jobs.delete(jobId);
    this.row(jobId)?.remove();
  }

  private row(jobId: string): HTMLElement | null {
    return this.list.querySelector(`li[data-job-id="${CSS.escape(jobId)}"]`);
  }

  private render(job: Job): HTMLLIElement {
    this.jobs.set(job.job_id, job);
    const button = (label: string, action: () => Promise<void> | void) => {
      const b = el('button', { type: 'button', textContent: label, className: `action-${label.toLowerCase()}` });
      b.addEventListener('click', () => {
        b.disabled = true;
        Promise.resolve(action())
          .catch((error: unknown) => showError(this.errors, error))
          .finally(() => (b.disabled = false));
      });
      return b;
    };
    const buttons: HTMLButtonElement[] = [];
    if (job.status === 'completed') buttons.push(button('Play', () => this.actions.play(job)), button('Download', () => this.actions.download(job)));
    if (ACTIVE.has(job.status)) buttons.push(button('Cancel', async () => void this.update(await this.api.cancel(job.job_id))));
    buttons.push(
      button('Delete', async () => {
        await this.api.remove(job.job_id);
        this.forget(job.job_id);
      }),
    );
    const detail = job.error_message ?? job.current_stage ?? '';
    return el(
      'li',
      { className: 'job', dataset: { jobId: job.job_id, status: job.status } },
      el('div', { className: 'topic', textContent: job.configuration.topic }),
      el('span', { className: `badge status ${job.status}`, textContent: job.status }),
      el('progress', { max: 100, value: job.progress }),
      el('span', { className: 'percent', textContent: `${job.progress}%` }),
      el('span', { className: 'stage muted', textContent: detail }),
      el('div', { className: 'actions' }, ...buttons),
    );
  }
}
