import { estimateFromQueue, estimateWhileRunning, expectedRenderSeconds } from './eta';

const NOW = 1_000_000;

describe('ETA', () => {
  test('a queued job waits for the rounds ahead of it, then renders', () => {
    expect(estimateFromQueue(10, 0, 1, NOW).getTime()).toBe(NOW + 10_000);
    expect(estimateFromQueue(10, 3, 1, NOW).getTime()).toBe(NOW + 40_000);
    expect(estimateFromQueue(10, 3, 2, NOW).getTime()).toBe(NOW + 30_000);
  });

  test('measured figures replace the typical ones', () => {
    expect(expectedRenderSeconds('medium', {})).toBe(15);
    expect(expectedRenderSeconds('medium', { total: 7.5 })).toBe(7.5);
  });

  test('while running: the remaining stages by their measured averages', () => {
    const measured = { ground: 0, plan: 1, narrate: 2, render: 10, compose: 1, finalize: 1, total: 15 };
    const eta = estimateWhileRunning({ stage: 'render', stageStartedAt: NOW - 4000, startedAt: NOW - 7000, progress: 40, measured }, NOW);
    expect(eta?.getTime()).toBe(NOW + (6 + 1 + 1) * 1000);
    const overdue = estimateWhileRunning({ stage: 'render', stageStartedAt: NOW - 30_000, startedAt: NOW - 33_000, progress: 70, measured }, NOW);
    expect(overdue?.getTime()).toBe(NOW + 2000);
  });

  test('while running without per-stage figures: the measured total, then linear extrapolation', () => {
    expect(estimateWhileRunning({ stage: 'generate', stageStartedAt: NOW, startedAt: NOW - 5000, progress: 50, measured: { total: 20 } }, NOW)?.getTime()).toBe(NOW + 10_000);
    expect(estimateWhileRunning({ stage: 'render', stageStartedAt: NOW, startedAt: NOW - 5000, progress: 50, measured: {} }, NOW)?.getTime()).toBe(NOW + 5000);
    expect(estimateWhileRunning({ stage: 'plan', stageStartedAt: NOW, startedAt: NOW, progress: 1, measured: {} }, NOW)).toBeNull();
  });
});
