import { PLAN_PROMPT_VERSION, PROMPT_PASSAGES, fillTemplate, loadPlanPrompt, passagesText, rulesText } from './plan-prompt';
import { SCENE_LIMITS } from './scene-rules';

describe('loadPlanPrompt', () => {
  it('reads the system part and the user template of the versioned file beside the module', async () => {
    const prompt = await loadPlanPrompt();
    expect(prompt.version).toBe(PLAN_PROMPT_VERSION);
    expect(prompt.system).toMatch(/^You are an experienced teacher/u);
    expect(prompt.system).toContain('{{rules}}');
    expect(prompt.system).not.toContain('## User');
    for (const placeholder of ['{{topic}}', '{{context}}', '{{passages}}']) expect(prompt.user).toContain(placeholder);
  });

  it('fails clearly for a version that does not exist', async () => {
    await expect(loadPlanPrompt('plan-v0')).rejects.toThrow(/plan-v0\.md/u);
  });
});

describe('fillTemplate', () => {
  it('fills every placeholder in one pass', () => {
    expect(fillTemplate('{{a}} and {{b}}', { a: '{{b}}', b: 'B' })).toBe('{{b}} and B');
  });

  it('refuses a placeholder without a value', () => {
    expect(() => fillTemplate('{{a}} {{typo}}', { a: 'A' })).toThrow('{{typo}}');
  });
});

describe('rulesText', () => {
  it('states the limits the validator enforces', () => {
    const rules = rulesText();
    for (const limit of [
      SCENE_LIMITS.scenes.max,
      SCENE_LIMITS.titleChars,
      SCENE_LIMITS.narrationChars,
      SCENE_LIMITS.textChars,
      SCENE_LIMITS.bullets.maxItems,
      SCENE_LIMITS.bullets.maxChars,
      SCENE_LIMITS.mathChars,
      SCENE_LIMITS.codeLines,
      SCENE_LIMITS.seconds.max,
    ]) {
      expect(rules).toContain(String(limit));
    }
  });
});

describe('passagesText', () => {
  it('says so when there are none', () => {
    expect(passagesText([])).toBe('(no documents)');
  });

  it(`keeps the first ${PROMPT_PASSAGES.max} passages, each cut to ${PROMPT_PASSAGES.maxChars} characters`, () => {
    const passages = Array.from({ length: 10 }, (_, i) => ({ fileId: `f${i}`, source: `doc-${i}.md`, text: 'x'.repeat(2000), score: 10 - i }));
    const text = passagesText(passages);
    expect(text.match(/^\[\d+\] from /gmu)).toHaveLength(PROMPT_PASSAGES.max);
    expect(text).toContain(`[1] from "doc-0.md":\n${'x'.repeat(PROMPT_PASSAGES.maxChars)}…`);
    expect(text).not.toContain('doc-8.md');
  });
});
