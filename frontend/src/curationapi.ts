// The curation API: topic names, merges and row moves, what sets rows apart, duplicates.
import type { QueryFilter, Topic } from './api';
import { ds, getJSON, jsonInit, request } from './api';

/** Names a topic of any level; resolves with the topic as stored. */
export async function renameTopic(id: string, topicId: number, label: string): Promise<Topic> {
  const res = await request(`${ds(id)}/topics/${topicId}`, jsonInit('PATCH', { label }));
  return (await res.json()) as Topic;
}

/** Merges topics of one level into `into`; resolves with the new topic tree. */
export async function mergeTopics(id: string, into: number, topics: number[]): Promise<Topic[]> {
  const res = await request(`${ds(id)}/topics/merge`, jsonInit('POST', { into, topics }));
  return (await res.json()) as Topic[];
}

/** Moves rows into a fine topic, or a new one named `label`; resolves with the new topic tree. */
export async function moveRows(id: string, rows: number[], into: { topic: number } | { label: string }): Promise<Topic[]> {
  const res = await request(`${ds(id)}/topics/move-rows`, jsonInit('POST', { rows, ...into }));
  return (await res.json()) as Topic[];
}

/** Splits a fine topic into `parts` parts (null: as many as HDBSCAN finds); resolves with the new topic tree. */
export async function splitTopic(id: string, topicId: number, parts: number | null): Promise<Topic[]> {
  const res = await request(`${ds(id)}/topics/${topicId}/split`, jsonInit('POST', parts === null ? {} : { parts }));
  return (await res.json()) as Topic[];
}

/** Asks the server's labeller for a topic's name; a worker renames the topic when it gives a usable one. */
export async function askLabeller(id: string, topicId: number): Promise<void> {
  await request(`${ds(id)}/topics/${topicId}/name`, jsonInit('POST', {}));
}

export interface ExplainedWord {
  term: string;
  score: number;
  rows: number;
  share: number;
  share_elsewhere: number;
}

export interface ExplainedColumn {
  column: string;
  kind: 'category' | 'number' | 'date';
  effect: number;
  values?: { value: string | null; rows: number; share: number; share_elsewhere: number }[] | null;
  median?: number | null;
  median_elsewhere?: number | null;
}

export interface Explanation {
  rows: number;
  words: ExplainedWord[];
  columns: ExplainedColumn[];
}

/** What sets rows apart from the rest of the map: row ids (a selection) or a query filter (a topic). */
export async function explain(id: string, what: { rows: number[] } | { filters: QueryFilter }, signal?: AbortSignal): Promise<Explanation> {
  const res = await request(`${ds(id)}/explain`, { ...jsonInit('POST', what), signal });
  return (await res.json()) as Explanation;
}

export interface DuplicateGroup {
  rows: number[];
  representative: number;
  text: string;
  exact: boolean;
}

export interface Duplicates {
  threshold: number;
  searched: boolean;
  groups: DuplicateGroup[];
}

/** Groups of duplicate rows (the same text at any threshold, near-identical vectors from `threshold` up). */
export function getDuplicates(id: string, threshold: number): Promise<Duplicates> {
  return getJSON<Duplicates>(`${ds(id)}/duplicates?threshold=${encodeURIComponent(String(threshold))}`);
}
