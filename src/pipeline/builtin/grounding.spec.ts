import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineAbortedError } from '../video-pipeline';
import { DocumentPassage, PASSAGE_CHARS, SourceDocument, groundInDocuments, rankPassages, splitPassages } from './grounding';

const BEEKEEPING: SourceDocument = {
  fileId: 'f-bees',
  name: 'beekeeping-handbook.md',
  text: `# Beekeeping handbook

A practical guide for the first two years of keeping honey bees in a temperate climate. It assumes one or two
Langstroth hives and no previous experience.

## The colony

A colony is a single queen, tens of thousands of female workers and, in summer, a few hundred drones. The queen
lays up to two thousand eggs a day in spring. Workers change jobs as they age: they clean cells, feed larvae,
build comb, guard the entrance and finally forage for nectar and pollen.

## Hive inspections

Inspect every seven to ten days from April to August. Choose a warm, calm afternoon when most foragers are out.
Smoke the entrance gently, wait a minute, then lift the crown board.

### What to look for

- eggs standing upright in the bottom of cells: the queen was there within three days
- a healthy brood pattern with few empty cells
- queen cells along the bottom bars, a sign that the colony is preparing to swarm
- enough stores: at least two frames of honey and one of pollen

## Swarming

Swarming is how colonies reproduce. The old queen leaves with about half the workers, and the colony raises a new
queen from one of the queen cells. To prevent a swarm, give the colony space early, or make an artificial swarm by
moving the old queen to a new hive with a frame of brood.

## Wintering

Bees do not hibernate. When the temperature drops below about 14 °C they form a tight winter cluster around the
queen and shiver their flight muscles to keep the centre of the cluster near 35 °C. The cluster moves slowly over
the combs, eating the honey stores it touches. A colony needs 15 to 20 kg of honey to survive a northern winter;
feed thick sugar syrup in September if the stores are light, and fit a mouse guard before the first frosts.

\`\`\`text
# this is not a heading: it is inside a fence
feeding ratio: 2 kg sugar : 1 l water
\`\`\`

## Varroa

The varroa mite is the most serious pest of honey bees. Count the natural mite drop on a sticky board for a week;
treat with oxalic acid in midwinter, when the colony has no brood and every mite is exposed.
`,
};

const PHOTOSYNTHESIS: SourceDocument = {
  fileId: 'f-plants',
  name: 'plants.txt',
  text: `Photosynthesis turns light, water and carbon dioxide into sugar and oxygen. It happens in the chloroplasts of
leaf cells, where chlorophyll absorbs red and blue light and reflects green.

The light reactions split water and make ATP and NADPH. The Calvin cycle then uses them to fix carbon dioxide into
three-carbon sugars, which the plant turns into glucose, sucrose and starch.

Many flowering plants depend on pollinators. Bees visit flowers for nectar and carry pollen from one flower to the
next, which lets the plant make seeds.
`,
};

const ask = (topic: string, context = topic) => ({ topic, context });
const all = () => [...splitPassages(BEEKEEPING), ...splitPassages(PHOTOSYNTHESIS)];

describe('splitPassages', () => {
  test('every passage sits under its heading trail; a fenced "#" line is not a heading', () => {
    const passages = splitPassages(BEEKEEPING);
    expect(passages.map((p) => p.heading)).toEqual([
      'Beekeeping handbook',
      'Beekeeping handbook › The colony',
      'Beekeeping handbook › Hive inspections',
      'Beekeeping handbook › Hive inspections › What to look for',
      'Beekeeping handbook › Swarming',
      'Beekeeping handbook › Wintering',
      'Beekeeping handbook › Varroa',
    ]);
    const wintering = passages[5];
    expect(wintering.body).toContain('winter cluster');
    expect(wintering.body).toContain('# this is not a heading');
    expect(wintering).toMatchObject({ fileId: 'f-bees', source: 'beekeeping-handbook.md' });
  });

  test('text without headings is cut by paragraphs, packed up to the limit', () => {
    const passages = splitPassages(PHOTOSYNTHESIS);
    expect(passages.every((p) => p.heading === '')).toBe(true);
    expect(passages.length).toBe(1);
    expect(passages[0].body.split('\n\n')).toHaveLength(3);
  });

  test('setext headings and thematic breaks', () => {
    const passages = splitPassages({ fileId: 'f', name: 'n.md', text: 'Guide\n=====\n\nIntro.\n\n---\n\nPart two\n--------\n\nMore.\n' });
    expect(passages.map((p) => [p.heading, p.body])).toEqual([
      ['Guide', 'Intro.'],
      ['Guide › Part two', 'More.'],
    ]);
  });

  test('long sections make several passages within the limit, cut at sentence ends, losing nothing', () => {
    const sentence = (i: number) => `Sentence number ${i} says something about queens, drones and workers in the hive.`;
    const paragraph = Array.from({ length: 40 }, (_, i) => sentence(i)).join(' ');
    const passages = splitPassages({ fileId: 'f', name: 'long.md', text: `# Long\n\n${paragraph}\n` });
    expect(passages.length).toBeGreaterThan(3);
    for (const p of passages) {
      expect(p.body.length).toBeLessThanOrEqual(PASSAGE_CHARS.max);
      expect(p.body).toMatch(/^Sentence number \d+ .*hive\.$/su);
      expect(p.heading).toBe('Long');
    }
    expect(passages.slice(0, -1).every((p) => p.body.length >= PASSAGE_CHARS.min)).toBe(true);
    expect(passages.map((p) => p.body).join(' ')).toBe(paragraph);
  });

  test('a run-on line without sentence ends is cut at spaces', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const passages = splitPassages({ fileId: 'f', name: 'x.txt', text: words });
    expect(passages.every((p) => p.body.length <= PASSAGE_CHARS.max)).toBe(true);
    expect(passages.map((p) => p.body).join(' ').replace(/\s+/gu, ' ')).toBe(words);
  });
});

describe('rankPassages', () => {
  test('the passage that answers the topic ranks first, cited with its source and heading', () => {
    const [first, ...rest] = rankPassages(all(), ask('How do honey bees survive the winter?'));
    expect(first).toEqual({
      fileId: 'f-bees',
      source: 'beekeeping-handbook.md',
      text: expect.stringMatching(/^Beekeeping handbook › Wintering\n\nBees do not hibernate\./u),
      score: expect.any(Number),
    });
    expect(rest.every((p) => p.score <= first.score)).toBe(true);
  });

  test('the context steers the ranking too', () => {
    const ranked = rankPassages(all(), ask('Honey bees', 'Explain how a beekeeper controls mites with oxalic acid.'));
    expect(ranked[0].text).toMatch(/› Varroa/u);
  });

  test('plurals are folded, prefixes and small typos still match', () => {
    expect(rankPassages(all(), ask('colonies'))[0].text).toMatch(/› The colony/u);
    expect(rankPassages(all(), ask('swarms'))[0].text).toMatch(/› Swarming/u);
    expect(rankPassages(all(), ask('chlorophyl absorbtion'))[0].source).toBe('plants.txt');
    expect(rankPassages(all(), ask('photosynth'))[0].source).toBe('plants.txt');
  });

  test('nothing relevant, or only stop words: an empty list', () => {
    expect(rankPassages(all(), ask('Quantum chromodynamics', 'Gluons bind quarks inside protons.'))).toEqual([]);
    expect(rankPassages(all(), ask('What is it and how does it do that?'))).toEqual([]);
    expect(rankPassages([], ask('bees'))).toEqual([]);
  });

  test('limits: at most maxPassages and maxCharacters; weak matches fall under the relative floor', () => {
    const passages = all();
    const query = ask('bees', 'queen workers honey colony hive pollen flowers');
    const many = rankPassages(passages, query, { minRelativeScore: 0 });
    expect(many.length).toBe(6);
    expect(rankPassages(passages, query, { maxPassages: 2 })).toEqual(many.slice(0, 2));
    const budget = many[0].text.length + many[1].text.length;
    expect(rankPassages(passages, query, { maxCharacters: budget, minRelativeScore: 0 })).toEqual(many.slice(0, 2));
    const strict = rankPassages(passages, query, { minRelativeScore: 0.9 });
    expect(strict.length).toBeGreaterThanOrEqual(1);
    expect(strict.every((p) => p.score >= strict[0].score * 0.9)).toBe(true);
  });

  test('deterministic: the same input gives the same list, and equal scores keep document order', () => {
    const twin = (fileId: string): DocumentPassage => ({ fileId, source: 'same.md', heading: 'Bees', body: 'Bees make honey.' });
    expect(rankPassages([twin('a'), twin('b'), twin('c')], ask('honey')).map((p) => p.fileId)).toEqual(['a', 'b', 'c']);
    const query = ask('queen', 'eggs brood swarm');
    expect(rankPassages(all(), query)).toEqual(rankPassages(all(), query));
  });
});

describe('groundInDocuments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grounding-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (doc: SourceDocument) => {
    const file = join(dir, `${doc.fileId}.md`);
    writeFileSync(file, doc.text);
    return { fileId: doc.fileId, name: doc.name, file };
  };

  test('reads the files, indexes them and says what it skipped', async () => {
    const documents = [write(BEEKEEPING), { fileId: 'gone', name: 'deleted.md', file: join(dir, 'nope.md') }, write(PHOTOSYNTHESIS)];
    const grounding = await groundInDocuments(documents, ask('How do plants make sugar from light?'), new AbortController().signal);
    expect(grounding).toMatchObject({ documents: 2, indexed: 8, skipped: ['deleted.md'] });
    expect(grounding.passages[0]).toMatchObject({ fileId: 'f-plants', source: 'plants.txt' });
  });

  test('no documents: nothing to ground in', async () => {
    expect(await groundInDocuments([], ask('bees'), new AbortController().signal)).toEqual({ passages: [], documents: 0, indexed: 0, skipped: [] });
  });

  test('an aborted run stops', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(groundInDocuments([write(BEEKEEPING)], ask('bees'), abort.signal)).rejects.toBeInstanceOf(PipelineAbortedError);
  });
});
