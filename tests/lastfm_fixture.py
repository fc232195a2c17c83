"""A tiny hand-written dataset in the Last.fm HetRec 2011 layout (never the real data, which stays outside
the repository): the quirks of the real files included, i.e. CRLF lines, an ISO-8859-1 tags.dat, a tag
longer than a genre may be, tags that differ only in case and spacing, rows naming unknown artists."""

from collections.abc import Sequence
from pathlib import Path

LONG_TAG = "the record my neighbour played every single sunday morning in the summer of our move"  # > 64

ARTISTS = [
    ("1", "Nova Static"),
    ("2", "Ünder Tøne"),
    ("3", "  Spaced Out  "),
]
TAGS = [
    ("1", "rock"),
    ("2", "Hip  Hop"),
    ("3", "hip hop"),
    ("4", "tropicália"),
    ("5", LONG_TAG),
    ("6", "jazz"),
    ("7", "seen live"),
]
# userID, artistID, tagID. Artist 1: rock by 3 users; "hip hop" (two spellings) by 2, user 10 once;
# jazz by 2 (tie with hip hop, alphabetical); seen live and tropicália by 1; the long tag by 4 (dropped).
TAGGINGS = [
    (10, 1, 1),
    (11, 1, 1),
    (12, 1, 1),
    (10, 1, 2),
    (10, 1, 3),
    (11, 1, 3),
    (12, 1, 6),
    (13, 1, 6),
    (10, 1, 4),
    (13, 1, 7),
    (10, 1, 5),
    (11, 1, 5),
    (12, 1, 5),
    (13, 1, 5),
    (10, 2, 6),
    (10, 99, 1),  # unknown artist
    (10, 2, 77),  # unknown tag
]
# userID, artistID, weight: out of order, an unknown artist and a zero weight (both skipped).
PLAYS = [
    (11, 1, 40),
    (10, 2, 7),
    (10, 1, 100),
    (12, 99, 5),
    (12, 3, 0),
    (12, 3, 3),
]
EXPECTED_TOP_GENRES_1 = ("rock", "hip hop", "jazz", "seen live", "tropicália")


def _write(path: Path, header: str, rows: Sequence[tuple[object, ...]], encoding: str, newline: str) -> None:
    lines = [header, *("\t".join(str(v) for v in row) for row in rows)]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))


def write_dataset(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    artists = [(i, name, f"http://www.last.fm/music/{i}", f"http://img/{i}.jpg") for i, name in ARTISTS]
    _write(root / "artists.dat", "id\tname\turl\tpictureURL", artists, "utf-8", "\n")
    _write(root / "tags.dat", "tagID\ttagValue", TAGS, "iso-8859-1", "\r\n")
    taggings = [(*row, 1, 4, 2009) for row in TAGGINGS]
    _write(
        root / "user_taggedartists.dat", "userID\tartistID\ttagID\tday\tmonth\tyear", taggings, "utf-8", "\n"
    )
    _write(root / "user_artists.dat", "userID\tartistID\tweight", PLAYS, "utf-8", "\r\n")
    return root
