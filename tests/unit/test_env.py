"""Settings read from the environment: defaults, parsing and the message for a bad value."""

import pytest

from atlas.env import env_bool, env_float, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("reader", "raw", "default", "expected"),
    [
        (env_str, None, "x", "x"),
        (env_str, "", "x", "x"),
        (env_str, "y", "x", "y"),
        (env_int, "12", 1, 12),
        (env_int, "", 1, 1),
        (env_float, "0.5", 1.0, 0.5),
        (env_bool, "yes", False, True),
        (env_bool, "OFF", True, False),
        (env_list, "a, b,,c", "", ["a", "b", "c"]),
    ],
)
def test_settings_parse_their_values_and_fall_back_to_defaults(
    monkeypatch: pytest.MonkeyPatch, reader: object, raw: str | None, default: object, expected: object
) -> None:
    if raw is None:
        monkeypatch.delenv("ATLAS_SOME_SETTING", raising=False)
    else:
        monkeypatch.setenv("ATLAS_SOME_SETTING", raw)
    assert reader("ATLAS_SOME_SETTING", default) == expected  # type: ignore[operator]


@pytest.mark.parametrize(("reader", "expected"), [(env_int, "a whole number"), (env_bool, "true or false")])
def test_a_bad_value_names_the_variable_and_what_it_must_be(
    monkeypatch: pytest.MonkeyPatch, reader: object, expected: str
) -> None:
    monkeypatch.setenv("ATLAS_SOME_SETTING", "maybe")
    with pytest.raises(ValueError, match=f"ATLAS_SOME_SETTING='maybe' must be {expected}"):
        reader("ATLAS_SOME_SETTING", 1)  # type: ignore[operator]
