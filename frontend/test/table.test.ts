import { describe, expect, it } from 'vitest';
import { tableColumns } from '../src/ui/table';

describe('tableColumns', () => {
  it('puts the id column first, then the text, the topic and the other columns', () => {
    expect(tableColumns('pkg', 'summary', ['pkg', 'summary', 'stars']).map((c) => c.name)).toEqual([
      'pkg',
      'text',
      'topic',
      'stars',
    ]);
    expect(tableColumns('pkg', 'summary', ['pkg', 'summary', 'stars'])[1].label).toBe('summary');
  });

  it('names rows by their number when the map has no id column, and a template map text as text', () => {
    const columns = tableColumns('', '', ['title', 'body']);
    expect(columns.map((c) => c.label)).toEqual(['row', 'text', 'topic', 'title', 'body']);
  });
});
