import { describe, expect, it } from 'vitest';
import { shareSecret } from '../src/api';
import { embedCode, embedNote, viewUrl } from '../src/ui/share';

describe('shareSecret', () => {
  it('reads the secret of a share-link page and nothing else', () => {
    expect(shareSecret('/s/abc_DEF-123')).toBe('abc_DEF-123');
    expect(shareSecret('/s/abc/')).toBe('abc');
    expect(shareSecret('/maps/1234')).toBeNull();
    expect(shareSecret('/s/')).toBeNull();
    expect(shareSecret('/s/a/b')).toBeNull();
  });
});

describe('viewUrl', () => {
  it('carries the current view in the query string of the link', () => {
    expect(viewUrl('http://h/s/abc', '?q=json&p=4')).toBe('http://h/s/abc?q=json&p=4');
    expect(viewUrl('http://h/s/abc?old=1', '')).toBe('http://h/s/abc');
  });
});

describe('embedCode', () => {
  it('escapes the link and the title as attribute values', () => {
    const code = embedCode('http://h/s/a?q=x&p=1', 'A "quoted" <map>');
    expect(code).toContain('src="http://h/s/a?q=x&amp;p=1"');
    expect(code).toContain('title="A &quot;quoted&quot; &lt;map&gt;"');
    expect(code.startsWith('<iframe ')).toBe(true);
  });
});

describe('embedNote', () => {
  it('names the sites allowed to embed, or says none is', () => {
    expect(embedNote(['https://a.org', 'https://b.org'])).toBe('Sites that may embed it: https://a.org, https://b.org.');
    expect(embedNote([])).toContain('lets no site embed');
  });
});
