"""A re-layout carries a renamed topic's name to the new topic of its level that holds at least 80 % of its rows;
one new topic takes at most one name; the names left behind are listed."""

import numpy as np

from workers.stages.label import TopicLabel
from workers.stages.topic_edits import EditedTopic, carry_edits, topic_of_row_at


def topic(topic_id: int, level: str, parent: int | None, label: str) -> TopicLabel:
    return TopicLabel(topic_id, level, parent, label, [], 0, 0.0, 0.0, [])


# Fine 0, 1, 2 under mid 3 (0, 1) and mid 4 (2), both under broad 5.
NEW = [
    topic(0, "fine", 3, "a"),
    topic(1, "fine", 3, "b"),
    topic(2, "fine", 4, "c"),
    topic(3, "mid", 5, "ab"),
    topic(4, "mid", 5, "c"),
    topic(5, "broad", None, "abc"),
]
# Rows 0-9 in fine 0, 10-19 in fine 1, 20-29 in fine 2.
FINE_OF_ROW = np.repeat(np.arange(3), 10)


def rows(*ranges: range) -> np.ndarray:
    return np.array([r for block in ranges for r in block], dtype=np.int64)


def test_a_row_reaches_its_topic_at_every_level_through_the_parents() -> None:
    assert list(topic_of_row_at("mid", NEW, FINE_OF_ROW)[[0, 15, 25]]) == [3, 3, 4]
    assert set(topic_of_row_at("broad", NEW, FINE_OF_ROW)) == {5}


def test_a_name_follows_the_rows_when_80_percent_land_in_one_new_topic() -> None:
    # 9 of 10 rows in fine 1: carried; the mid edit's rows all sit under mid 3.
    edited = [
        EditedTopic("fine", "Servers", rows(range(10, 19), range(25, 26))),
        EditedTopic("mid", "Letters", rows(range(0, 20))),
    ]
    carried = carry_edits(edited, NEW, FINE_OF_ROW)
    by_id = {t.topic_id: t for t in carried.topics}
    assert (by_id[1].label, by_id[1].edited) == ("Servers", True)
    assert (by_id[3].label, by_id[3].edited) == ("Letters", True)
    assert not by_id[0].edited and by_id[0].label == "a"
    assert carried.not_carried == []


def test_a_name_whose_rows_spread_out_is_listed_not_carried() -> None:
    # 7 of 10 in fine 0: below 80 %.
    carried = carry_edits([EditedTopic("fine", "Spread", rows(range(0, 7), range(20, 23)))], NEW, FINE_OF_ROW)
    assert carried.not_carried == ["Spread"]
    assert [t.label for t in carried.topics] == [t.label for t in NEW]


def test_two_names_landing_in_one_topic_leave_it_to_the_one_with_more_rows() -> None:
    edited = [EditedTopic("fine", "Few", rows(range(0, 4))), EditedTopic("fine", "Many", rows(range(0, 9)))]
    carried = carry_edits(edited, NEW, FINE_OF_ROW)
    assert {t.topic_id: t.label for t in carried.topics}[0] == "Many"
    assert carried.not_carried == ["Few"]


def test_a_topic_whose_rows_are_gone_is_not_carried() -> None:
    carried = carry_edits([EditedTopic("fine", "Gone", rows(range(40, 45)))], NEW, FINE_OF_ROW)
    assert carried.not_carried == ["Gone"]
