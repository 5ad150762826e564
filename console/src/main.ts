import './style.css';
import { Api, ApiError, randomUuid, type Job } from './api';
import { byId, el, showError } from './dom';
import { connectLive } from './live';
import { clerkSession, devTokenSession, type ConsoleSettings, type Session } from './session';
import { JobsView } from './jobs-view';

const signInSection = byId('sign-in');
const signInError = byId('sign-in-error');
const app = byId('app');

/**
 * A pasted token kept from earlier in this tab opens the console at once; one no longer accepted leads to the sign-in
 * choices with its error shown. Otherwise the sign-in choices show right away.
 */
async function start(): Promise<void> {
  const settings = (await (await fetch('/console/config.json')).json()) as ConsoleSettings;
  const kept = settings.dev_tokens ? devTokenSession() : null;
  if (kept && (await open(kept))) return;
  await showSignIn(settings);
}

/**
 * The token form (outside production) and, when configured, Clerk, which loads beside it: an existing Clerk session
 * opens the console when it is ready, else its button appears. The token form never waits for Clerk, so an
 * unreachable Clerk blocks nothing.
 */
async function showSignIn(settings: ConsoleSettings): Promise<void> {
  signInSection.hidden = false;
  if (settings.dev_tokens) {
    const form = byId<HTMLFormElement>('token-form');
    const button = byId<HTMLButtonElement>('use-token');
    form.hidden = false;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const dev = devTokenSession(String(new FormData(form).get('token') ?? ''));
      if (!dev) return;
      button.disabled = true; // until the token is checked: pressed again, it would sign in twice
      void open(dev).finally(() => (button.disabled = false));
    });
  }
  if (!settings.clerk_publishable_key) {
    if (!settings.dev_tokens) signInError.textContent = 'Sign-in is not configured on this server (CLERK_PUBLISHABLE_KEY).';
    return;
  }
  const status = byId('clerk-status');
  status.textContent = 'Loading Clerk sign-in…';
  const clerk = await clerkSession(settings.clerk_publishable_key).catch((error: unknown) => {
    status.textContent = `Clerk sign-in is unavailable: ${error instanceof Error ? error.message : String(error)}`;
    return null;
  });
  if (!clerk || signInSection.hidden) return; // unavailable, or signed in with a token meanwhile
  status.textContent = '';
  if (clerk.session) {
    await open(clerk.session);
    return;
  }
  const button = byId<HTMLButtonElement>('clerk-sign-in');
  button.hidden = false;
  button.addEventListener('click', () => void clerk.signIn().catch((error: unknown) => showError(signInError, error)));
}

/** A sign-in is under way or done: the console opens once per page (signing out reloads it), however it is asked. */
let signingIn = false;

/**
 * The signed-in console: checks the token once (a bad one stays at sign-in, saying so; one the service could not
 * check is kept), then jobs, live updates, the form. Answers whether it opened.
 */
async function open(session: Session): Promise<boolean> {
  if (signingIn) return false;
  signingIn = true;
  const api = new Api(session.token);
  let me: { user_id: string };
  try {
    me = await api.me();
  } catch (error) {
    signingIn = false;
    // Only a refused token ends the session: an unavailable service or a lost connection says so and keeps it.
    const refused = error instanceof ApiError && error.status === 401;
    if (refused) await session.signOut();
    showError(signInError, refused ? new Error('That token was not accepted (invalid or expired).') : error);
    return false;
  }
  signInSection.hidden = true;
  app.hidden = false;
  byId('who').textContent = `Signed in as ${me.user_id}`;

  const player = new Player(api);
  const jobs = new JobsView(byId<HTMLUListElement>('jobs'), byId<HTMLButtonElement>('load-more'), byId('jobs-error'), api, {
    play: (job) => player.play(job),
    download: (job) => player.download(job),
  });
  const live = connectLive(session.token, session.renewable, {
    update: (update) => jobs.update(update),
    connected: () => void jobs.reload(),
    state: (text) => (byId('live').textContent = text),
    expired: () => showError(byId('jobs-error'), new Error('Your token expired: sign out and paste a new one.')),
  });

  const signOut = byId<HTMLButtonElement>('sign-out');
  signOut.hidden = false;
  signOut.addEventListener('click', () => {
    live.disconnect();
    void session.signOut().then(() => window.location.reload());
  });
  byId('refresh').addEventListener('click', () => void jobs.reload());
  wireSubmitForm(api, (job) => jobs.add(job));
  return true;
}

function wireSubmitForm(api: Api, created: (job: Job) => void): void {
  const form = byId<HTMLFormElement>('submit-form');
  const button = byId<HTMLButtonElement>('submit-request');
  const errors = byId('submit-error');
  // Each submission has its own Idempotency-Key, kept until it succeeds: sending the same request again after a
  // failure is a retry of it, so when the first did create the job (its answer lost), the API answers that job.
  let unfinished: { body: string; key: string } | null = null;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.textContent = '';
    let request: Record<string, unknown>;
    try {
      request = requestFrom(new FormData(form));
    } catch (error) {
      return showError(errors, error);
    }
    const body = JSON.stringify(request);
    if (unfinished?.body !== body) unfinished = { body, key: randomUuid() };
    button.disabled = true; // until answered: pressed again, it would send the request twice
    api
      .submit(request, unfinished.key)
      .then(
        (job) => {
          unfinished = null;
          created(job);
        },
        (error: unknown) => {
          const fields = error instanceof ApiError ? error.fields.map((f) => `${f.field}: ${f.errors.join(', ')}`) : [];
          showError(errors, fields.length > 0 ? new Error(`${(error as Error).message} — ${fields.join('; ')}`) : error);
        },
      )
      .finally(() => (button.disabled = false));
  });
}

/** A VideoGenerationRequest from the form: required fields as typed, optional ones only when filled in. */
function requestFrom(data: FormData): Record<string, unknown> {
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const request: Record<string, unknown> = { topic: text('topic'), context: text('context'), use_rag: data.get('use_rag') === 'on' };
  for (const name of ['model', 'quality', 'priority', 'webhook_url', 'configuration_id']) {
    if (text(name)) request[name] = text(name);
  }
  if (text('custom_config')) {
    try {
      request.custom_config = JSON.parse(text('custom_config'));
    } catch {
      throw new Error('custom_config is not valid JSON');
    }
  }
  return request;
}

/**
 * Plays and downloads through signed URLs from the API: a <video>, <track> or link cannot send the bearer token,
 * and the token must never sit in a URL. Each press asks for fresh URLs, so an expired one is never reused.
 */
class Player {
  private readonly section = byId('player');
  private readonly video = byId<HTMLVideoElement>('video');

  constructor(private readonly api: Api) {}

  async play(job: Job): Promise<void> {
    const urls = await this.api.downloadUrls(job.job_id);
    this.video.replaceChildren();
    this.video.src = urls.video_url;
    if (urls.captions_url) {
      this.video.append(el('track', { kind: 'captions', srclang: 'en', label: 'Captions', src: urls.captions_url, default: true }));
    }
    byId('player-title').textContent = job.configuration.topic;
    this.section.hidden = false;
    this.video.dataset.jobId = job.job_id;
    this.video.load();
  }

  async download(job: Job): Promise<void> {
    const urls = await this.api.downloadUrls(job.job_id);
    // The answer is Content-Disposition: attachment, so the browser saves it under the service's file name.
    el('a', { href: urls.video_url, download: '' }).click();
  }
}

void start().catch((error: unknown) => {
  signInSection.hidden = false;
  showError(signInError, error);
});
