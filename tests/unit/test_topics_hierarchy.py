"""Fine topics merged into mid and broad ones, and every topic of every level described."""

import numpy as np
import numpy.typing as npt
import pytest

from tests.unit.shapes import unit
from workers.stages.cluster import Clusters
from workers.stages.hierarchy import HierarchyParams, level_sizes, merge_topics
from workers.stages.label import LabelParams, describe_topics


def nested_groups(seed: int = 0) -> tuple[npt.NDArray[np.float32], Clusters]:
    """27 fine topics in 9 groups of 3, in 3 groups of 9: each level is a direction in embedding space."""
    rng = np.random.default_rng(seed)
    vectors, labels = [], []
    for fine in range(27):
        centre = np.zeros(40)
        centre[fine // 9] = 10.0
        centre[3 + fine // 3] = 3.0
        centre[12 + fine] = 1.0
        size = 60 - fine  # distinct sizes, largest first as find_topics numbers them
        vectors.append(centre + rng.normal(0, 0.05, size=(size, 40)))
        labels += [fine] * size
    stacked = unit(np.vstack(vectors).astype(np.float32))
    return stacked, Clusters(labels=np.array(labels, dtype=np.int32), noise=np.zeros(len(labels), dtype=bool))


@pytest.mark.parametrize(
    ("fine", "mid", "broad"),
    [(1, 1, 1), (2, 2, 2), (5, 4, 3), (27, 9, 3), (62, 16, 4), (400, 63, 10), (10_000, 316, 10)],
)
def test_level_sizes_grow_with_the_fine_topics_and_keep_broad_within_three_to_ten(
    fine: int, mid: int, broad: int
) -> None:
    assert level_sizes(fine, HierarchyParams()) == (mid, broad)


def test_merging_recovers_the_nested_groups_as_a_tree_whose_leaves_cover_every_point() -> None:
    vectors, clusters = nested_groups()
    tree = merge_topics(vectors, clusters, HierarchyParams())
    assert tree.fine.ids == list(range(27))
    assert tree.mid.ids == list(range(27, 36)) and tree.broad.ids == list(range(36, 39))
    # Every fine topic has one mid parent and every mid topic one broad parent; the point labels agree.
    assert set(tree.fine.parents) == set(tree.fine.ids) and set(tree.fine.parents.values()) == set(tree.mid.ids)
    assert set(tree.mid.parents) == set(tree.mid.ids) and set(tree.mid.parents.values()) == set(tree.broad.ids)
    assert tree.broad.parents == {}
    for i in range(len(vectors)):
        mid = tree.fine.parents[int(clusters.labels[i])]
        assert tree.mid.labels[i] == mid and tree.broad.labels[i] == tree.mid.parents[mid]
    # The constructed groups come back: fine topics share a mid (broad) topic exactly when built so.
    for a in range(27):
        for b in range(27):
            assert (tree.fine.parents[a] == tree.fine.parents[b]) == (a // 3 == b // 3)
            same_broad = tree.mid.parents[tree.fine.parents[a]] == tree.mid.parents[tree.fine.parents[b]]
            assert same_broad == (a // 9 == b // 9)
    # Numbered by size: the first broad topic holds the most points.
    broad_sizes = np.bincount(tree.broad.labels)[36:]
    assert broad_sizes.tolist() == sorted(broad_sizes.tolist(), reverse=True)


def test_a_single_fine_topic_still_has_a_mid_and_a_broad_parent() -> None:
    clusters = Clusters(labels=np.zeros(5, dtype=np.int32), noise=np.zeros(5, dtype=bool))
    tree = merge_topics(unit(np.ones((5, 4), dtype=np.float32)), clusters, HierarchyParams())
    assert tree.fine.parents == {0: 1} and tree.mid.parents == {1: 2}
    assert tree.broad.labels.tolist() == [2] * 5


TEXTS = [
    "fast http client for python",
    "async http client library",
    "http requests made simple",
    "plot charts with matplotlib",
    "interactive charts and plots",
    "charts for dashboards",
]


def test_every_level_is_labelled_from_its_member_texts_with_size_place_parent_and_representatives() -> None:
    vectors = unit(
        np.array([[1, 0.1, 0], [1, 0, 0.1], [1, 0.05, 0.05], [0, 1, 0], [0.1, 1, 0], [0, 1, 0.1]], dtype=np.float32)
    )
    clusters = Clusters(labels=np.array([0, 0, 0, 1, 1, 1], dtype=np.int32), noise=np.zeros(6, dtype=bool))
    coords = np.array([[0, 0], [1, 0], [0, 1], [9, 9], [10, 9], [9, 10]], dtype=np.float32)
    tree = merge_topics(vectors, clusters, HierarchyParams())
    topics = describe_topics(TEXTS, vectors, coords, clusters.noise, tree, LabelParams(keywords_per_topic=2))
    assert [t.level for t in topics] == ["broad", "broad", "mid", "mid", "fine", "fine"]
    fine = {t.topic_id: t for t in topics if t.level == "fine"}
    assert "http" in fine[0].keywords[0] and "charts" in fine[1].keywords[0]
    assert fine[0].label == ", ".join(fine[0].keywords)
    assert (fine[1].size, fine[1].x, fine[1].y) == (3, 9.0, 9.0)
    assert sorted(fine[0].representatives) == [0, 1, 2] and sorted(fine[1].representatives) == [3, 4, 5]
    # Row 2 points along the mean of its topic's vectors: it represents the topic best.
    assert fine[0].representatives[0] == 2
    by_id = {t.topic_id: t for t in topics}
    assert by_id[fine[0].parent].level == "mid" and by_id[by_id[fine[0].parent].parent].level == "broad"
    assert all(t.parent is None for t in topics if t.level == "broad")
    assert {t.label for t in topics if t.level == "broad"} == {t.label for t in fine.values()}


def test_noise_rows_represent_their_topic_only_after_its_clustered_rows() -> None:
    # Row 0 sits exactly on the topic's centre but only joined it as noise.
    vectors = unit(np.array([[1, 0.2], [1, 0], [1, 0.5], [1, 0.6]], dtype=np.float32))
    clusters = Clusters(labels=np.zeros(4, dtype=np.int32), noise=np.array([True, False, False, False]))
    tree = merge_topics(vectors, clusters, HierarchyParams())
    topics = describe_topics(
        ["a b"] * 4, vectors, np.zeros((4, 2), dtype=np.float32), clusters.noise, tree, LabelParams()
    )
    assert all(t.representatives[-1] == 0 for t in topics)
    assert all(t.representatives[0] in (2, 1) for t in topics)


def test_topics_of_nothing_but_stop_words_still_get_a_label() -> None:
    clusters = Clusters(labels=np.array([0, 0], dtype=np.int32), noise=np.zeros(2, dtype=bool))
    vectors = unit(np.ones((2, 3), dtype=np.float32))
    tree = merge_topics(vectors, clusters, HierarchyParams())
    topics = describe_topics(
        ["the and", "of the"], vectors, np.zeros((2, 2), dtype=np.float32), clusters.noise, tree, LabelParams()
    )
    assert {t.topic_id: t.label for t in topics} == {0: "topic 1", 1: "topic 2", 2: "topic 3"}


def test_contractions_and_possessives_leave_no_debris_in_keywords() -> None:
    texts = ["Don't panic: Python's GIL isn't slow", "don’t worry, python’s GIL can't block", "dont fear the GIL"]
    vectors = unit(np.ones((3, 3), dtype=np.float32))
    clusters = Clusters(labels=np.zeros(3, dtype=np.int32), noise=np.zeros(3, dtype=bool))
    tree = merge_topics(vectors, clusters, HierarchyParams())
    topics = describe_topics(
        texts, vectors, np.zeros((3, 2), dtype=np.float32), clusters.noise, tree, LabelParams(candidates_per_topic=30)
    )
    words = {w for t in topics for term in t.keywords for w in term.split()}
    assert "gil" in words and "python" in words
    assert not words & {"don", "t", "isn", "can", "dont", "python's", "s"}, words


def test_sibling_topics_do_not_lead_with_the_same_keyword() -> None:
    # Each fine topic's rows say its mid group's word twice and its own word once: every sibling's best keyword is
    # the group's word. Only the largest of each group leads with it; the others lead with their own word.
    vectors, clusters = nested_groups()
    group_words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    own_words = [f"item{f:02d}" for f in range(27)]
    texts = [f"{group_words[f // 3]} {group_words[f // 3]} {own_words[f]}" for f in clusters.labels.tolist()]
    tree = merge_topics(vectors, clusters, HierarchyParams())
    topics = describe_topics(texts, vectors, np.zeros((len(texts), 2), dtype=np.float32), clusters.noise, tree,
                             LabelParams())  # fmt: skip
    fine = {t.topic_id: t for t in topics if t.level == "fine"}
    for f in range(27):
        leader = fine[f].keywords[0].split()
        assert (group_words[f // 3] in leader) == (f % 3 == 0) and own_words[f] in " ".join(fine[f].keywords), (
            f,
            fine[f].keywords,
        )


def test_with_an_embedder_the_keyphrase_most_like_the_topic_leads_and_the_next_adds_something_new() -> None:
    # c-TF-IDF ranks "alpha" first for topic 0 (most frequent); by meaning "gamma" is the topic's own direction,
    # and "delta" says almost what "gamma" says, so Maximal Marginal Relevance takes "alpha" second.
    texts = ["alpha alpha gamma delta", "alpha alpha gamma delta", "omega omega", "omega omega"]
    vectors = unit(np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1]], dtype=np.float32))
    clusters = Clusters(labels=np.array([0, 0, 1, 1], dtype=np.int32), noise=np.zeros(4, dtype=bool))
    tree = merge_topics(vectors, clusters, HierarchyParams())
    meaning = {
        "gamma": [0.9, 0.436, 0, 0],
        "delta": [0.88, 0.475, 0, 0],
        "alpha": [0.7, -0.714, 0, 0],
        "omega": [0, 0, 0, 1],
    }

    def embed(phrases: list[str]) -> np.ndarray:
        return unit(np.array([meaning.get(p, [0, 0.7, 0.7, 0]) for p in phrases], dtype=np.float32))

    params = LabelParams(keywords_per_topic=2)
    plain = describe_topics(texts, vectors, np.zeros((4, 2), dtype=np.float32), clusters.noise, tree, params)
    ranked = describe_topics(texts, vectors, np.zeros((4, 2), dtype=np.float32), clusters.noise, tree, params, embed)
    fine = {t.topic_id: t.keywords for t in plain if t.level == "fine"}
    assert fine[0][0] == "alpha"
    fine = {t.topic_id: t.keywords for t in ranked if t.level == "fine"}
    assert fine[0] == ["gamma", "alpha"] and fine[1][0] == "omega"
    # Vectors of another size than the rows' (not the map's model): c-TF-IDF's order stays.
    other = describe_topics(
        texts, vectors, np.zeros((4, 2), dtype=np.float32), clusters.noise, tree, params,
        lambda phrases: np.ones((len(phrases), 3), dtype=np.float32),
    )  # fmt: skip
    assert {t.topic_id: t.keywords for t in other} == {t.topic_id: t.keywords for t in plain}
