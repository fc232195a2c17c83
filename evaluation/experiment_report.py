"""`make experiment-report`: an A/B test replayed on Last.fm, per variant.

The training part of a split is replayed through the served stack with an experiment configured
(EXPERIMENTS); every evaluated listener asks for recommendations and is bucketed by the service
(the variant comes back in the reply). HR@10 / NDCG@10 / coverage@10 are computed per variant over its
listeners. Then each listener "plays" the held-out artists the served list showed them, as events that
echo the list's `recommendation_id`, through POST /v1/events and the profile-update queue; the profile
updater's EMF lines are read back and the attributed plays summed per variant: the loop a client sees
in CloudWatch.
"""

import argparse
import io
import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evaluation import metrics
from evaluation.protocol import plays_and_tags, split
from evaluation.replay import trained_stack
from evaluation.run import REPORTS
from evaluation.served import ServedStack
from local import lastfm
from local.lastfm_import.plan import NOMINAL_MS_PLAYED, pack_groups
from mixtape.config import Experiment

# The default experiment: today's ranking against one that gives a fifth of each list to exploration.
DEFAULT_EXPERIMENT = {
    "name": "explore-ab",
    "variants": [
        {"name": "control", "share": 0.5, "ranking": {}},
        {"name": "explore-20", "share": 0.5, "ranking": {"explore": 0.2}},
    ],
}


def attributed_plays(stack: ServedStack, events: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """Post the events, run the profile updater, and sum its AttributedPlay EMF metrics per
    (experiment, variant)."""
    captured = io.StringIO()
    stack.stdout = captured
    try:
        stack.post_events(pack_groups([events], 500))
        stack.drain()
    finally:
        stack.stdout = io.StringIO()
    found: Counter[tuple[str, str]] = Counter()
    for line in captured.getvalue().splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        record = json.loads(line)
        if "AttributedPlay" in record and "experiment" in record:
            value = record["AttributedPlay"]  # EMF: one value or a list of them
            found[record["experiment"], record["variant"]] += int(
                sum(value) if isinstance(value, list) else value
            )
    return found


def played(user: int, artist: int, recommendation: str, now_ms: int) -> dict[str, Any]:
    """A play of a held-out artist the listener was shown, echoing the list's recommendation id."""
    return {
        "event_id": f"ab-{user}-{artist}",
        "user_id": lastfm.user_id_for(user),
        "item_id": lastfm.item_id_for(artist),
        "type": "play",
        "timestamp": now_ms,
        "ms_played": NOMINAL_MS_PLAYED,
        "context": {"recommendation_id": recommendation},
    }


def report(
    seed: int, experiment: Experiment, data_dir: str | None, limit_users: int | None, log: Any = print
) -> str:
    data = lastfm.load(data_dir)
    plays, tagged = plays_and_tags(data, limit_users)
    part = split(plays, seed, tagged)
    stack = trained_stack(data, part, log, experiments=[experiment])
    ranked: dict[str, dict[int, list[int]]] = defaultdict(dict)
    events: list[dict[str, Any]] = []
    now_ms = int(time.time() * 1000)
    for user in part.users:
        answer = stack.recommend(lastfm.user_id_for(user), limit=20)
        (assigned,) = [a["variant"] for a in answer["experiments"] if a["experiment"] == experiment.name]
        artists = [lastfm.artist_for_item_id(i["item_id"]) or -1 for i in answer["items"]]
        ranked[assigned][user] = artists
        shown = [a for a in artists[:10] if a in part.test[user]]
        events.extend(played(user, artist, answer["recommendation_id"], now_ms) for artist in shown)
    attributed = attributed_plays(stack, events)
    lines = [
        f"# Experiment `{experiment.name}` replayed on Last.fm (seed {seed})",
        "",
        "Variants as the service bucketed the evaluated listeners; attributed plays are the profile "
        "updater's AttributedPlay EMF metrics for the held-out artists each listener was shown in its "
        "top 10.",
        "",
        "| variant | ranking override | listeners | HR@10 | NDCG@10 | coverage@10 | attributed plays |",
        "|---|---|---|---|---|---|---|",
    ]
    for variant in experiment.variants:
        mine = ranked.get(variant.name, {})
        test = {user: part.test[user] for user in mine}
        scores = metrics.score(mine, test, len(part.catalog))
        lines.append(
            f"| {variant.name} | `{json.dumps(variant.ranking)}` | {scores.users:,} | "
            f"{scores.hr_at_10:.3f} | {scores.ndcg_at_10:.3f} | {scores.coverage_at_10:.3f} | "
            f"{attributed[experiment.name, variant.name]:,} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--experiment", default=json.dumps(DEFAULT_EXPERIMENT), help="one experiment, JSON")
    parser.add_argument("--data", default=None, help=f"dataset directory (default {lastfm.DEFAULT_DATA_DIR})")
    parser.add_argument("--limit-users", type=int, default=None, help="only the first N listeners")
    parser.add_argument("--out", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    experiment = Experiment.model_validate_json(args.experiment)
    table = report(args.seed, experiment, args.data, args.limit_users)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "experiment.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
