import { describe, expect, it } from 'vitest';
import { exportMessage } from '../src/controllers/exporting';

describe('exportMessage', () => {
  it('says a plain file keeps every value', () => {
    expect(exportMessage('map-3-rows.csv', null)).toBe('Downloaded map-3-rows.csv: every value as stored.');
  });

  it('says when a spreadsheet CSV changed nothing', () => {
    expect(exportMessage('m.csv', 0)).toBe('Downloaded m.csv: no cell looked like a spreadsheet formula.');
  });

  it('counts the cells a spreadsheet CSV changed, and names the way out', () => {
    expect(exportMessage('m.csv', 1)).toContain('1 cell starting with = + - or @');
    const many = exportMessage('m.csv', 1234);
    expect(many).toContain('1,234 cells starting with');
    expect(many).toContain('Choose plain CSV to keep every value as stored.');
  });
});
