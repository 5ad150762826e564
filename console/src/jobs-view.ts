import type { Api, Job, JobStatus, JobUpdate } from './api';
import { el, showError } from './dom';

export interface JobActions {
  play(job: Job): Promise<void>;
  download(job: Job): Promise<void>;
}

type Action = 'Play' | 'Download' | 'Cancel' | 'Delete';

/** The buttons of a job in this state, in the order they show. */
function actionsFor(status: JobStatus): Action[] {
  if (status === 'completed') return ['Play', 'Download', 'Delete'];
  if (status === 'queued' || status === 'processing') return ['Cancel', 'Delete'];
  return ['Delete'];
}

/**
 * The user's jobs, newest first, one <li> each (data-job-id, data-status), patched in place by live updates so
 * progress moves without reloading the list.
 */
export class JobsView {
  private readonly jobs = new Map<string, Job>();
  /**
   * The newest state seen of each job, from list reads, live updates and answers alike: a list read answered after
   * later updates, or an update delayed behind a fresher read, never takes a row back to an older state.
   */
  private readonly newest = new Map<string, JobUpdate>();
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
      this.list.replaceChildren(...data.map((job) => this.render(this.freshest(job))));
      this.errors.textContent = '';
    } catch (error) {
      showError(this.errors, error);
    }
  }

  /** A job just created here: shown at once, ahead of the others (unless an update already brought it in). */
  add(job: Job): void {
    if (!this.jobs.has(job.job_id)) this.list.prepend(this.render(this.freshest(job)));
  }

  /** A `job.update`; false when the job is not on the list (created elsewhere), so the caller reloads. */
  update(update: JobUpdate): boolean {
    const newer = this.accept(update);
    const job = this.jobs.get(update.job_id);
    const row = this.row(update.job_id);
    if (!job || !row) return false;
    if (newer) this.fill(row, { ...job, ...update });
    return true;
  }

  /** Records a job's state unless a newer one was seen; false when it is the older one. */
  private accept(state: JobUpdate): boolean {
    const seen = this.newest.get(state.job_id);
    if (seen && Date.parse(seen.updated_at) > Date.parse(state.updated_at)) return false;
    this.newest.set(state.job_id, state);
    return true;
  }

  /** A job as a list read answered it, with the newer state seen since where there is one. */
  private freshest(job: Job): Job {
    return this.accept(job) ? job : { ...job, ...this.newest.get(job.job_id) };
  }

  forget(jobId: string): void {
    this.jobs.delete(jobId);
    this.row(jobId)?.remove();
  }

  private row(jobId: string): HTMLLIElement | null {
    return this.list.querySelector(`li[data-job-id="${CSS.escape(jobId)}"]`);
  }

  private render(job: Job): HTMLLIElement {
    const row = el(
      'li',
      { className: 'job', dataset: { jobId: job.job_id } },
      el('div', { className: 'topic', textContent: job.configuration.topic }),
      el('span', { className: 'badge status' }),
      el('progress', { max: 100 }),
      el('span', { className: 'percent' }),
      el('span', { className: 'stage muted' }),
      el('div', { className: 'actions' }),
    );
    this.fill(row, job);
    return row;
  }

  /**
   * Brings a row to the job's state in place, many times a second while it runs: rebuilt, it would take keyboard
   * focus from its buttons. Buttons the state keeps stay as they are; the others go, and new ones go in their place.
   */
  private fill(row: HTMLLIElement, job: Job): void {
    this.jobs.set(job.job_id, job);
    const part = (selector: string) => row.querySelector(selector) as HTMLElement;
    row.dataset.status = job.status;
    Object.assign(part('.status'), { className: `badge status ${job.status}`, textContent: job.status });
    (part('progress') as HTMLProgressElement).value = job.progress;
    part('.percent').textContent = `${job.progress}%`;
    part('.stage').textContent = job.error_message ?? job.current_stage ?? '';
    const actions = part('.actions');
    const wanted = actionsFor(job.status);
    for (const button of Array.from(actions.children)) {
      if (!wanted.includes(button.textContent as Action)) button.remove();
    }
    wanted.forEach((action, i) => {
      if (actions.children[i]?.textContent !== action) actions.insertBefore(this.button(job.job_id, action), actions.children[i] ?? null);
    });
  }

  /** A row's button: it acts on the job as it is when pressed, and is disabled until that is done. */
  private button(jobId: string, action: Action): HTMLButtonElement {
    const button = el('button', { type: 'button', textContent: action });
    button.addEventListener('click', () => {
      const job = this.jobs.get(jobId);
      if (!job) return;
      button.disabled = true;
      this.act(action, job)
        .catch((error: unknown) => showError(this.errors, error))
        .finally(() => (button.disabled = false));
    });
    return button;
  }

  private async act(action: Action, job: Job): Promise<void> {
    switch (action) {
      case 'Play':
        return this.actions.play(job);
      case 'Download':
        return this.actions.download(job);
      case 'Cancel':
        this.update(await this.api.cancel(job.job_id));
        return;
      case 'Delete':
        await this.api.remove(job.job_id);
        return this.forget(job.job_id);
    }
  }
}
