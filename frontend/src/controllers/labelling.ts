// Asking the server's topic labeller for one topic's name: a worker renames the topic when the labeller gives a
// usable name, so the page watches the topic tree for it for as long as the labeller may take.
import * as api from '../api';
import type { Topic } from '../api';
import * as curation from '../curationapi';
import type { AskLabeller } from '../ui/topics';

/** The labeller's request timeout (30 s by default) and a margin. */
const WAIT_MS = 45_000;
const POLL_MS = 1000;

/** Resolves with the topic's new name, or null when none came in time; `named` runs once the page's topic
 * objects hold the new name (after the panel's own update). */
export function labellerAsker(datasetId: string, topics: Topic[], named: () => void): AskLabeller {
  return async (topicId: number) => {
    const before = topics.find((t) => t.id === topicId)?.label;
    await curation.askLabeller(datasetId, topicId);
    for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; ) {
      await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
      const now = (await api.getTopics(datasetId)).find((t) => t.id === topicId);
      if (now && now.label !== before) {
        window.setTimeout(named);
        return now.label;
      }
    }
    return null;
  };
}
