"""The Last.fm reader on a small hand-written dataset (tests/lastfm_fixture.py), never the real files."""

from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from local import lastfm
from mixtape.models.catalog import Genre, Title
from tests.lastfm_fixture import EXPECTED_TOP_GENRES_1, LONG_TAG, write_dataset


@pytest.fixture
def data(tmp_path: Path) -> lastfm.LastFm:
    return lastfm.load(write_dataset(tmp_path / "lastfm"))


def test_artists_have_trimmed_names_and_their_most_given_tags_as_genres(data: lastfm.LastFm):
    assert list(data.artists) == [1, 2, 3]
    assert data.artists[1] == lastfm.Artist(1, "Nova Static", EXPECTED_TOP_GENRES_1)
    assert data.artists[2] == lastfm.Artist(2, "Ünder Tøne", ("jazz",))
    assert data.artists[3] == lastfm.Artist(3, "Spaced Out", ())


def test_top_n_keeps_the_most_given_tags(tmp_path: Path):
    data = lastfm.load(write_dataset(tmp_path), top_n=3)
    assert data.artists[1].genres == EXPECTED_TOP_GENRES_1[:3]


def test_tags_too_long_for_a_genre_are_dropped_and_reported(data: lastfm.LastFm):
    assert data.dropped_tags == (LONG_TAG,)
    assert all(LONG_TAG.lower() not in artist.genres for artist in data.artists.values())


def test_plays_sorted_by_user_with_unknown_artists_and_zero_weights_skipped(data: lastfm.LastFm):
    assert data.plays == (
        lastfm.Play(10, 1, 100),
        lastfm.Play(10, 2, 7),
        lastfm.Play(11, 1, 40),
        lastfm.Play(12, 3, 3),
    )
    assert data.skipped_plays == 2
    assert data.skipped_taggings == 2
    assert data.users() == (10, 11, 12)
    assert data.plays_by_user()[10] == (lastfm.Play(10, 1, 100), lastfm.Play(10, 2, 7))


def test_ties_go_to_the_alphabetically_first_genre_whatever_the_input_order():
    users = {"b": {1, 2}, "c": {3}, "a": {4, 5}, "d": {6, 7, 8}}
    assert lastfm.top_genres(users, 3) == ("d", "a", "b")
    assert lastfm.top_genres(dict(reversed(users.items())), 3) == ("d", "a", "b")


@pytest.mark.parametrize(
    ("tag", "genre"),
    [
        ("Rock", "rock"),
        ("  Hip \t Hop ", "hip hop"),
        ("Tropicália", "tropicália"),
        ("x" * 64, "x" * 64),
        ("x" * 65, None),
        ("   ", None),
        ("bell\x07rock", None),
    ],
)
def test_normalize_genre_agrees_with_the_catalog_model(tag: str, genre: str | None):
    assert lastfm.normalize_genre(tag) == genre
    model = TypeAdapter(Genre)
    if genre is not None:
        assert model.validate_python(genre) == genre
    else:
        with pytest.raises(ValidationError):
            model.validate_python(" ".join(tag.split()).lower())


def test_names_are_cut_to_the_catalog_title_length(tmp_path: Path):
    (tmp_path / "artists.dat").write_text(f"id\tname\turl\tpictureURL\n1\t{'n' * 400}\tu\tp\n2\t \tu\tp\n")
    names = lastfm.read_artists(tmp_path / "artists.dat")
    assert names == {1: "n" * lastfm.TITLE_MAX_LENGTH}
    title = TypeAdapter(Title)
    assert title.validate_python("n" * lastfm.TITLE_MAX_LENGTH)
    with pytest.raises(ValidationError):
        title.validate_python("n" * (lastfm.TITLE_MAX_LENGTH + 1))


def test_a_malformed_row_names_its_file_and_line(tmp_path: Path):
    path = tmp_path / "user_artists.dat"
    path.write_text("userID\tartistID\tweight\r\n2\t51\t13883\r\n2\t52\r\n")
    with pytest.raises(lastfm.LastFmFormatError, match=r"user_artists\.dat:3: expected 3"):
        lastfm.read_plays(path)
    path.write_text("userID\tartistID\tweight\n2\t51\tmany\n")
    with pytest.raises(lastfm.LastFmFormatError, match=r":2: 'many' is not an integer"):
        lastfm.read_plays(path)


def test_a_missing_file_raises_os_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        lastfm.load(tmp_path)


def test_data_dir_flag_beats_environment_beats_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(lastfm.DATA_DIR_ENV, raising=False)
    assert lastfm.resolve_data_dir() == lastfm.DEFAULT_DATA_DIR
    monkeypatch.setenv(lastfm.DATA_DIR_ENV, "/from/env")
    assert lastfm.resolve_data_dir() == Path("/from/env")
    assert lastfm.resolve_data_dir("/from/flag") == Path("/from/flag")


def test_ids_map_to_mixtape_and_back():
    assert lastfm.item_id_for(51) == "lfm-art-51"
    assert lastfm.artist_id_for(51) == "lfm-51"
    assert lastfm.user_id_for(2) == "lfm-2"
    assert lastfm.artist_for_item_id("lfm-art-51") == 51
    for other in ("trk-0001", "lfm-art-", "lfm-art-5x", "lfm-51", "lfm-art-٣"):
        assert lastfm.artist_for_item_id(other) is None


def test_tagged_artists_are_the_distinct_known_user_artist_pairs_of_the_taggings(data: lastfm.LastFm):
    # Several tags of one pair make one pair; an unknown tag still says the user tagged a known artist;
    # an unknown artist does not.
    assert data.tagged == (
        lastfm.Tagged(10, 1),
        lastfm.Tagged(10, 2),
        lastfm.Tagged(11, 1),
        lastfm.Tagged(12, 1),
        lastfm.Tagged(13, 1),
    )
