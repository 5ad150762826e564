import { AppConfig } from '../config/app-config';
import { validateEnvironment } from '../config/environment';
import { retentionIntervalMs } from './retention.service';

describe('JOB_RETENTION_DAYS', () => {
  const retentionMs = (value?: string) => new AppConfig(validateEnvironment(value === undefined ? {} : { JOB_RETENTION_DAYS: value })).jobRetentionMs;

  test('30 days by default; decimals for periods shorter than a day; 0 keeps jobs forever', () => {
    expect(retentionMs()).toBe(30 * 86_400_000);
    expect(retentionMs('0.5')).toBe(43_200_000);
    expect(retentionMs('0.0002')).toBe(17_280);
    expect(retentionMs('0')).toBe(0);
  });

  test.each(['-1', 'thirty', '1e3', '30d', '36501'])('refuses %s, naming the variable', (value) => {
    expect(() => validateEnvironment({ JOB_RETENTION_DAYS: value })).toThrow(/JOB_RETENTION_DAYS/);
  });
});

describe('retentionIntervalMs', () => {
  test('a 24th of the period, at least a second and at most an hour', () => {
    expect(retentionIntervalMs(30 * 86_400_000)).toBe(3_600_000);
    expect(retentionIntervalMs(86_400_000)).toBe(3_600_000);
    expect(retentionIntervalMs(12 * 3_600_000)).toBe(1_800_000);
    expect(retentionIntervalMs(24_000)).toBe(1000);
    expect(retentionIntervalMs(1000)).toBe(1000);
  });
});
