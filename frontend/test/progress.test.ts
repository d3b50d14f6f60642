import { describe, expect, it } from 'vitest';
import { clock, countLine, timeLine } from '../src/ui/progress';

describe('clock', () => {
  it('writes seconds as minutes and hours', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(42.4)).toBe('0:42');
    expect(clock(725)).toBe('12:05');
    expect(clock(3723)).toBe('1:02:03');
  });
});

describe('timeLine', () => {
  it('says the stage time and what is left, or that the estimate is coming', () => {
    expect(timeLine(42, 70)).toBe('0:42 in this stage · about 1:10 left');
    expect(timeLine(3, null)).toBe('0:03 in this stage · estimating the time left');
    expect(timeLine(null, 10)).toBe('');
  });
});

describe('countLine', () => {
  it('counts rows done only while embedding', () => {
    expect(countLine('embed', 1234, 20000)).toBe('1,234 / 20,000 rows');
    expect(countLine('layout', 0, 20000)).toBe('20,000 rows');
    expect(countLine('ingest', 0, 0)).toBe('reading the file');
  });
});
