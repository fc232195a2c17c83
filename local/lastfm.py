"""Reader of the Last.fm HetRec 2011 dataset (hetrec2011-lastfm-2k): artists, their top tags, play counts.

Pure functions and frozen dataclasses, no HTTP: `local.lastfm_import` loads the result into Mixtape and the
evaluation harness reads the same dataset through the same ids. A listener's complete history is their
plays plus every artist they tagged (`LastFm.tagged`: the evaluation replays each pair as one `like`).

The dataset is for non-commercial use only and never copied into this repository: it is read from
`--data`, else `$MIXTAPE_LASTFM_DIR`, else `DEFAULT_DATA_DIR`. Files are tab-separated with a header row,
some with CRLF line ends; `tags.dat` is ISO-8859-1, the rest UTF-8 (or its ASCII subset).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

# The shared data folder sits beside the repository (../shared/data/), wherever it is checked out.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "lastfm-2k"
DATA_DIR_ENV = "MIXTAPE_LASTFM_DIR"
TOP_TAGS = 5

ARTISTS_FILE = "artists.dat"
TAGS_FILE = "tags.dat"
PLAYS_FILE = "user_artists.dat"
TAGGINGS_FILE = "user_taggedartists.dat"

# Mirrors of the catalog model's limits (mixtape/models/catalog.py: Title, Genre). Mirrored rather than
# imported so the reader runs without the layer on sys.path; tests/unit/local/test_lastfm.py checks it.
TITLE_MAX_LENGTH = 300
GENRE_MAX_LENGTH = 64
_CONTROL = re.compile(r"[\x00-\x1f]")

ITEM_PREFIX = "lfm-art-"
ARTIST_PREFIX = "lfm-"
USER_PREFIX = "lfm-"


class LastFmFormatError(ValueError):
    """A dataset file does not have the documented shape; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Artist:
    artist_id: int  # the dataset's artistID
    name: str
    genres: tuple[str, ...]  # top tags, most-given first, each a valid catalog genre


@dataclass(frozen=True, slots=True)
class Play:
    user_id: int  # the dataset's userID
    artist_id: int
    weight: int  # how many times the user played the artist


@dataclass(frozen=True, slots=True)
class Tagged:
    user_id: int  # the dataset's userID
    artist_id: int  # an artist the user gave at least one tag


@dataclass(frozen=True, slots=True)
class LastFm:
    artists: Mapping[int, Artist]  # by artistID, in file order
    plays: tuple[Play, ...]  # sorted by (user_id, artist_id)
    dropped_tags: tuple[str, ...]  # distinct tag values that are not valid genres (e.g. longer than 64)
    skipped_plays: int  # rows naming an unknown artist or a weight below 1
    skipped_taggings: int  # rows naming an unknown artist or tag
    tagged: tuple[Tagged, ...] = ()  # distinct user-artist pairs of the taggings, sorted; known artists

    def users(self) -> tuple[int, ...]:
        return tuple(sorted({play.user_id for play in self.plays}))

    def plays_by_user(self) -> dict[int, tuple[Play, ...]]:
        grouped: dict[int, list[Play]] = defaultdict(list)
        for play in self.plays:
            grouped[play.user_id].append(play)
        return {user: tuple(plays) for user, plays in grouped.items()}


# --- Mixtape ids of dataset entities (the eval harness maps recommendations back with these) ---


def item_id_for(artist_id: int) -> str:
    """Items are artists: one catalog item per Last.fm artist."""
    return f"{ITEM_PREFIX}{artist_id}"


def artist_id_for(artist_id: int) -> str:
    return f"{ARTIST_PREFIX}{artist_id}"


def user_id_for(user_id: int) -> str:
    return f"{USER_PREFIX}{user_id}"


def artist_for_item_id(item_id: str) -> int | None:
    """The artistID behind an imported item id; None for any other item."""
    digits = item_id.removeprefix(ITEM_PREFIX)
    return int(digits) if digits != item_id and digits.isascii() and digits.isdigit() else None


# --- reading ---


def resolve_data_dir(explicit: str | Path | None = None) -> Path:
    """`explicit` (a CLI flag), else $MIXTAPE_LASTFM_DIR, else the shared default."""
    chosen = explicit or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
    return Path(chosen)


def read_rows(path: Path, columns: int, encoding: str = "utf-8") -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each data row; the header is skipped, CRLF and blank lines tolerated."""
    with path.open(encoding=encoding) as lines:  # universal newlines: CRLF arrives as "\n"
        next(lines, None)
        for number, line in enumerate(lines, start=2):
            text = line.rstrip("\n")
            if not text.strip():
                continue
            fields = text.split("\t")
            if len(fields) != columns:
                raise LastFmFormatError(f"{path}:{number}: expected {columns} tab-separated fields")
            yield number, fields


def _int(path: Path, number: int, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise LastFmFormatError(f"{path}:{number}: {value!r} is not an integer") from None


def read_artists(path: Path) -> dict[int, str]:
    """artistID -> name (whitespace-trimmed, cut to the catalog's title length); nameless rows dropped."""
    artists: dict[int, str] = {}
    for number, (artist_id, name, _url, _picture) in read_rows(path, 4):
        clean = name.strip()[:TITLE_MAX_LENGTH].strip()
        if clean:
            artists[_int(path, number, artist_id)] = clean
    return artists


def read_tags(path: Path) -> dict[int, str]:
    """tagID -> tag value as written (ISO-8859-1 file)."""
    return {
        _int(path, number, tag_id): value
        for number, (tag_id, value) in read_rows(path, 2, encoding="iso-8859-1")
    }


def read_plays(path: Path) -> list[Play]:
    return [
        Play(_int(path, number, user), _int(path, number, artist), _int(path, number, weight))
        for number, (user, artist, weight) in read_rows(path, 3)
    ]


def read_taggings(path: Path) -> Iterator[tuple[int, int, int]]:
    """(userID, artistID, tagID) of each tag assignment; the day/month/year columns are not needed."""
    for number, (user, artist, tag, *_date) in read_rows(path, 6):
        yield _int(path, number, user), _int(path, number, artist), _int(path, number, tag)


# --- tags as genres ---


def normalize_genre(tag: str) -> str | None:
    """The catalog genre for a tag, or None when it cannot be one.

    Lower-cased with runs of whitespace collapsed (so "Hip  Hop" and "hip hop" are one genre); tags
    longer than a genre may be are dropped, not cut: they are whole sentences about a record, and half
    a sentence is no genre.
    """
    genre = " ".join(tag.split()).lower()
    if not genre or len(genre) > GENRE_MAX_LENGTH or _CONTROL.search(genre):
        return None
    return genre


def top_genres(users_by_genre: Mapping[str, set[int]], n: int = TOP_TAGS) -> tuple[str, ...]:
    """The n genres given to an artist by the most users; ties go to the alphabetically first genre."""
    ranked = sorted(users_by_genre.items(), key=lambda entry: (-len(entry[1]), entry[0]))
    return tuple(genre for genre, _users in ranked[:n])


def _genres_by_artist(
    taggings: Iterator[tuple[int, int, int]], genres: Mapping[int, str | None], artists: Mapping[int, str]
) -> tuple[dict[int, dict[str, set[int]]], int]:
    """artistID -> genre -> users who gave it (a set: two tags that normalise alike count a user once)."""
    by_artist: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    skipped = 0
    for user, artist, tag in taggings:
        if artist not in artists or tag not in genres:
            skipped += 1
            continue
        genre = genres[tag]
        if genre is not None:
            by_artist[artist][genre].add(user)
    return by_artist, skipped


def load(data_dir: str | Path | None = None, top_n: int = TOP_TAGS) -> LastFm:
    """Read the dataset: artists with their top-n tags as genres, and every valid user-artist play count."""
    root = resolve_data_dir(data_dir)
    names = read_artists(root / ARTISTS_FILE)
    tags = read_tags(root / TAGS_FILE)
    genres = {tag_id: normalize_genre(value) for tag_id, value in tags.items()}
    taggings = list(read_taggings(root / TAGGINGS_FILE))
    by_artist, skipped_taggings = _genres_by_artist(iter(taggings), genres, names)
    artists = {
        artist_id: Artist(artist_id, name, top_genres(by_artist.get(artist_id, {}), top_n))
        for artist_id, name in names.items()
    }
    all_plays = read_plays(root / PLAYS_FILE)
    plays = sorted(
        (p for p in all_plays if p.artist_id in artists and p.weight >= 1),
        key=lambda p: (p.user_id, p.artist_id),
    )
    dropped = sorted({tags[tag_id] for tag_id, genre in genres.items() if genre is None})
    return LastFm(
        artists=artists,
        plays=tuple(plays),
        dropped_tags=tuple(dropped),
        skipped_plays=len(all_plays) - len(plays),
        skipped_taggings=skipped_taggings,
        tagged=tuple(Tagged(u, a) for u, a in sorted({(u, a) for u, a, _ in taggings if a in names})),
    )
