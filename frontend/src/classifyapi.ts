// Classification from examples: learn a label column's (or tags') classes from the labelled rows, predict the
// others into a new column, tag the confident predictions.
import { ds, getJSON, jsonInit, request } from './api';

export interface Classification {
  id: string;
  status: 'queued' | 'running' | 'ready' | 'failed';
  label_field: string | null;
  tags: number[] | null;
  column: string;
  confidence_column: string;
  cv: { accuracy: number; macro_f1: number; folds: number; rows: number } | null;
  classes: Record<string, number>;
  predicted: number | null;
  warnings: string[];
  error: string | null;
}

export interface TaggedPredictions {
  min_confidence: number;
  rows: number;
  tags: { id: number; name: string; colour: string; added: number }[];
}

export type TrainingLabels = { label_field: string } | { tags: number[] };

export async function startClassification(id: string, labels: TrainingLabels): Promise<Classification> {
  const res = await request(`${ds(id)}/classifications`, jsonInit('POST', labels));
  return (await res.json()) as Classification;
}

export function getClassifications(id: string): Promise<Classification[]> {
  return getJSON<Classification[]>(`${ds(id)}/classifications`);
}

export function getClassification(id: string, classificationId: string): Promise<Classification> {
  return getJSON<Classification>(`${ds(id)}/classifications/${encodeURIComponent(classificationId)}`);
}

export async function tagPredictions(id: string, classificationId: string, minConfidence: number): Promise<TaggedPredictions> {
  const url = `${ds(id)}/classifications/${encodeURIComponent(classificationId)}/tags`;
  const res = await request(url, jsonInit('POST', { min_confidence: minConfidence }));
  return (await res.json()) as TaggedPredictions;
}

export async function removeClassification(id: string, classificationId: string): Promise<void> {
  await request(`${ds(id)}/classifications/${encodeURIComponent(classificationId)}`, jsonInit('DELETE', {}));
}
