import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { StorageService, SweepJob } from './storage.service';

describe('StorageService (real directories)', () => {
  let root: string;
  let storage: StorageService;
  const anHourAgo = new Date(Date.now() - 3600_000);

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'vgs-storage-'));
    storage = new StorageService({ storageDir: root } as AppConfig);
    await storage.onModuleInit();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A finished render in a work directory, as a pipeline leaves it. */
  async function render(jobId: string, attempt: number, content: string) {
    const workDir = await storage.createWorkDir(jobId, attempt);
    const files = { video: join(workDir, 'video.mp4'), thumbnail: join(workDir, 'thumbnail.jpg'), captions: join(workDir, 'captions.vtt') };
    for (const file of Object.values(files)) writeFileSync(file, `${content} ${file.slice(-3)}`);
    return { workDir, files };
  }
  const ago = (path: string) => utimesSync(path, anHourAgo, anHourAgo);

  test('each attempt keeps its files in a folder of its own; a losing attempt removes only that folder', async () => {
    const id = randomUUID();
    const first = await render(id, 1, 'first');
    const second = await render(id, 2, 'second');
    expect(first.workDir).toMatch(new RegExp(`/work/${id}-1-[A-Za-z0-9]{6}$`));

    const winner = await storage.keepOutputs(id, 2, second.files);
    const loser = await storage.keepOutputs(id, 1, first.files);
    expect(winner).toMatch(new RegExp(`^jobs/${id}/2-[A-Za-z0-9]{6}$`)); // relative: STORAGE_DIR may move
    expect(loser).toMatch(new RegExp(`^jobs/${id}/1-[A-Za-z0-9]{6}$`));
    expect(readdirSync(first.workDir)).toEqual([]); // moved, not copied

    await storage.removeAttemptFiles(id, loser);
    expect(readdirSync(join(root, 'jobs', id))).toEqual([winner.split('/')[2]]);
    const video = await storage.statVideo(id, winner);
    expect(video?.path).toBe(join(root, winner, 'video.mp4'));
    expect(readFileSync(video?.path as string, 'utf8')).toBe('second mp4');
    expect(readFileSync((await storage.statThumbnail(id, winner))?.path as string, 'utf8')).toBe('second jpg');
    expect(readFileSync((await storage.statCaptions(id, winner))?.path as string, 'utf8')).toBe('second vtt');

    await storage.removeJobFiles(id);
    expect(existsSync(join(root, 'jobs', id))).toBe(false);
  });

  test('captions are optional', async () => {
    const id = randomUUID();
    const { files } = await render(id, 1, 'x');
    const kept = await storage.keepOutputs(id, 1, { video: files.video, thumbnail: files.thumbnail });
    expect(await storage.statCaptions(id, kept)).toBeNull();
    expect(await storage.statVideo(id, kept)).toEqual(expect.objectContaining({ size: 'x mp4'.length }));
  });

  test('a job completed before attempt folders is read from jobs/<id>/ when no location is recorded', async () => {
    const id = randomUUID();
    mkdirSync(join(root, 'jobs', id));
    writeFileSync(join(root, 'jobs', id, 'video.mp4'), 'legacy');
    writeFileSync(join(root, 'jobs', id, 'thumbnail.jpg'), 'legacy jpg');
    expect(await storage.statVideo(id)).toEqual(expect.objectContaining({ path: join(root, 'jobs', id, 'video.mp4'), size: 6 }));
    expect(await storage.statThumbnail(id)).toEqual(expect.objectContaining({ size: 10 }));
    expect(await storage.statCaptions(id)).toBeNull();
  });

  test('a move that fails leaves no attempt folder behind', async () => {
    const id = randomUUID();
    const { files } = await render(id, 1, 'x');
    rmSync(files.thumbnail);
    await expect(storage.keepOutputs(id, 1, files)).rejects.toThrow(/ENOENT/);
    expect(readdirSync(join(root, 'jobs', id))).toEqual([]);
  });

  test('no id, attempt or recorded location can point outside the job', async () => {
    const id = randomUUID();
    const other = randomUUID();
    await expect(storage.createWorkDir('../etc', 1)).rejects.toThrow(/refusing storage path for job id/);
    await expect(storage.createWorkDir(id, 0)).rejects.toThrow(/refusing storage path for attempt 0/);
    for (const location of [`jobs/${other}/1-abcdef`, `jobs/${id}/../${other}`, `jobs/${id}/1-abcdef/..`, `/jobs/${id}/1-abcdef`, `jobs/${id}`, `uploads/${id}/1-abcdef`, '']) {
      await expect(storage.statVideo(id, location)).rejects.toThrow(/refusing storage location/);
      await expect(storage.removeAttemptFiles(id, location)).rejects.toThrow(/refusing storage location/);
    }
    await expect(storage.statVideo('not-a-uuid')).rejects.toThrow(/refusing storage path for job id/);
  });

  describe('sweep', () => {
    const completed = randomUUID();
    const processing = randomUUID();
    const failed = randomUUID();
    const missing = randomUUID();
    let jobs: Map<string, SweepJob>;
    const lookups: string[][] = [];
    const lookup = async (ids: string[]) => {
      lookups.push(ids);
      return new Map(ids.flatMap((id) => (jobs.has(id) ? [[id, jobs.get(id) as SweepJob] as const] : [])));
    };
    /** An old directory with a file in it. */
    const leftover = (...path: string[]) => {
      const dir = join(root, ...path);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'video.mp4'), 'x');
      ago(dir);
      return dir;
    };

    beforeEach(() => {
      lookups.length = 0;
      jobs = new Map([
        [completed, { processing: false, terminal: true, storageDir: `jobs/${completed}/2-Winner` }],
        [processing, { processing: true, terminal: false }],
        [failed, { processing: false, terminal: true }],
      ]);
    });

    test('removes work dirs of jobs not processing and attempt folders of terminal jobs that are not the winner', async () => {
      const gone = [
        leftover('work', `${completed}-1-Orphan`),
        leftover('work', `${failed}-3-Orphan`),
        leftover('work', `${missing}-1-Orphan`), // scratch of a deleted job
        leftover('work', `${failed}-Legacy`), // named before work dirs carried the attempt
        leftover('jobs', completed, '1-Stray1'),
        leftover('jobs', failed, '2-Stray2'),
      ];
      const kept = [
        leftover('work', `${processing}-1-Render`), // another worker may be rendering it right now
        leftover('jobs', completed, '2-Winner'),
        leftover('jobs', processing, '1-Moving'), // between moving its files and completing
        leftover('jobs', missing, '1-Orphan'), // finished files go with the job's deletion, not with a sweep
        leftover('work', 'not-ours'),
        leftover('jobs', completed, 'scratch'),
      ];
      writeFileSync(join(root, 'jobs', completed, 'video.mp4'), 'legacy layout');

      expect(await storage.sweep(lookup, 60_000)).toEqual({ workDirs: 4, attemptDirs: 2 });
      for (const dir of gone) expect({ dir, exists: existsSync(dir) }).toEqual({ dir, exists: false });
      for (const dir of kept) expect({ dir, exists: existsSync(dir) }).toEqual({ dir, exists: true });
      expect(existsSync(join(root, 'jobs', completed, 'video.mp4'))).toBe(true);
    });

    test('leaves anything modified within the minimum age, whatever its job', async () => {
      const young = [leftover('work', `${completed}-1-Young1`), leftover('jobs', completed, '1-Young1')];
      for (const dir of young) utimesSync(dir, new Date(), new Date());
      expect(await storage.sweep(lookup, 60_000)).toEqual({ workDirs: 0, attemptDirs: 0 });
      for (const dir of young) expect(existsSync(dir)).toBe(true);
    });

    test('asks the store only about jobs it found something of, in bounded batches', async () => {
      expect(await storage.sweep(lookup, 60_000)).toEqual({ workDirs: 0, attemptDirs: 0 });
      expect(lookups).toEqual([]);

      const ids = Array.from({ length: 201 }, () => randomUUID());
      for (const id of ids) jobs.set(id, { processing: false, terminal: true });
      for (const id of ids) leftover('jobs', id, '1-Cancel');
      const empty = randomUUID();
      mkdirSync(join(root, 'jobs', empty));
      expect(await storage.sweep(lookup, 60_000)).toEqual({ workDirs: 0, attemptDirs: 201 });
      expect(lookups.length).toBe(2);
      expect(lookups.every((batch) => batch.length <= 200)).toBe(true);
      expect(lookups.flat().sort()).toEqual([...ids].sort()); // each once; the empty directory's job not at all
    });
  });
});
