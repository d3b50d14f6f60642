import { describe as suite, expect, it } from 'vitest';
import type { Classification } from '../src/classifyapi';
import { describe, source } from '../src/ui/classify';

const base: Classification = {
  id: 'c1',
  status: 'ready',
  label_field: 'lang',
  tags: null,
  column: 'lang_predicted',
  confidence_column: 'lang_predicted_confidence',
  cv: { accuracy: 0.9712, macro_f1: 0.95, folds: 5, rows: 1200 },
  classes: { python: 700, rust: 500 },
  predicted: 300,
  warnings: ['1 class has fewer than 2 rows and was left out: \'go\'.'],
  error: null,
};

suite('a classification as the Classify panel describes it', () => {
  it('says what a ready one learned, how it scored, its classes and warnings, and where its predictions went', () => {
    expect(describe(base, new Map())).toEqual([
      'lang_predicted: learned from the column lang.',
      'Cross-validated on 1,200 labelled rows (5 folds): accuracy 97.1 %, macro-F1 0.950.',
      'Classes: python 700 · rust 500.',
      "1 class has fewer than 2 rows and was left out: 'go'.",
      'Predicted 300 rows into lang_predicted, with lang_predicted_confidence.',
    ]);
  });

  it('names tags by their names, and a tag gone since by its id', () => {
    const fromTags = { ...base, label_field: null, tags: [3, 4] };
    expect(source(fromTags, new Map([[3, 'web']]))).toBe('the tags web, #4');
  });

  it('says a running one is learning and a failed one why', () => {
    expect(describe({ ...base, status: 'running', cv: null }, new Map())).toEqual(['Learning the column lang…']);
    expect(describe({ ...base, status: 'failed', error: 'A tag was deleted.' }, new Map())).toEqual([
      'Learning the column lang failed: A tag was deleted.',
    ]);
  });
});
