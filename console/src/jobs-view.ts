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

/** Jobs a "Load more" reads, and the fewest a reload reads. */
const PAGE_SIZE = 50;
/** The API's largest page (items_per_page). */
const MAX_PAGE_SIZE = 100;

/**
 * The user's jobs, newest first, one <li> each (data-job-id, data-status), patched in place by live updates so
 * progress moves without reading the list again. The newest PAGE_SIZE show at first; "Load more" follows the
 * listing's cursor to older ones.
 */
export class JobsView {
  /** The jobs shown, as shown. */
  private readonly jobs = new Map<string, Job>();
  /**
   * The newest state seen of each job, from list reads, live updates and answers alike: a list read answered after
   * later updates, or an update delayed behind a fresher read, never takes a row back to an older state.
   */
  private readonly newest = new Map<string, JobUpdate>();
  /** Where "Load more" goes on (the listing's next_cursor); null when the oldest job is shown. */
  private cursor: string | null = null;
  /** Reads run one after another, each from what the one before showed (a page's cursor belongs to its list). */
  private reads: Promise<void> = Promise.resolve();
  /** A reload is queued and has not started: one asked for meanwhile would read nothing newer, so it joins that one. */
  private reloadWaiting = false;

  constructor(
    private readonly list: HTMLUListElement,
    private readonly loadMore: HTMLButtonElement,
    private readonly errors: HTMLElement,
    private readonly api: Api,
    private readonly actions: JobActions,
  ) {
    loadMore.addEventListener('click', () => {
      loadMore.disabled = true;
      void this.queue(() => this.read(true)).finally(() => (loadMore.disabled = false));
    });
  }

  /** Reads the newest jobs afresh; at most one reload reads and one waits, however often it is asked. */
  reload(): Promise<void> {
    if (this.reloadWaiting) return this.reads;
    this.reloadWaiting = true;
    return this.queue(() => {
      this.reloadWaiting = false;
      return this.read(false);
    });
  }

  private queue(read: () => Promise<void>): Promise<void> {
    this.reads = this.reads.then(read);
    return this.reads;
  }

  /**
   * Either the newest jobs, as many as are shown (so the pages loaded with "Load more" stay, up to the API's largest
   * page), which replace the list; or, for "Load more", the page after the cursor, added below.
   */
  private async read(more: boolean): Promise<void> {
    const after = more ? this.cursor : null;
    if (more && !after) return; // the reload before it read to the end
    try {
      const page = after
        ? await this.api.jobs(PAGE_SIZE, after)
        : await this.api.jobs(Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, this.jobs.size)));
      const jobs = page.data.map((job) => this.freshest(job));
      if (after) this.list.append(...jobs.filter((job) => !this.jobs.has(job.job_id)).map((job) => this.render(job)));
      else this.show(jobs);
      this.cursor = page.next_cursor;
      this.loadMore.hidden = this.cursor === null;
      this.errors.textContent = '';
    } catch (error) {
      showError(this.errors, error);
    }
  }

  /** Makes the list these jobs in this order, keeping the rows already there (a focused button keeps its focus). */
  private show(jobs: Job[]): void {
    const listed = new Set(jobs.map((job) => job.job_id));
    for (const jobId of Array.from(this.jobs.keys())) {
      if (!listed.has(jobId)) this.forget(jobId);
    }
    jobs.forEach((job, i) => {
      const shown = this.row(job.job_id);
      if (shown) this.fill(shown, job);
      const row = shown ?? this.render(job);
      if (this.list.children[i] !== row) this.list.insertBefore(row, this.list.children[i] ?? null);
    });
  }

  /** A job just created here: shown at once, ahead of the others (unless an update already brought it in). */
  add(job: Job): void {
    if (!this.jobs.has(job.job_id)) this.list.prepend(this.render(this.freshest(job)));
  }

  /**
   * A `job.update`, shown in place when its job is on the list. A job not on it is read in only when it is new
   * (queued after the newest one shown was created: submitted elsewhere, as by the CLI); any other is further down
   * than the list shows, and "Load more" reads it as it is then.
   */
  update(update: JobUpdate): void {
    if (!this.accept(update)) return;
    const job = this.jobs.get(update.job_id);
    const row = this.row(update.job_id);
    if (job && row) this.fill(row, { ...job, ...update });
    else if (this.isNew(update)) void this.reload();
  }

  private isNew(update: JobUpdate): boolean {
    const newestShown = Math.max(0, ...Array.from(this.jobs.values(), (job) => Date.parse(job.created_at)));
    return update.status === 'queued' && Date.parse(update.updated_at) >= newestShown;
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
