"""The grid behind the defaults: training variants x ranking weights, served end to end, seeds 0-2.

    PYTHONPATH=layers/common .venv/bin/python -m evaluation.tune     # ~25 min on 2 cores

Each seed replays the training plays once; every training variant retrains on the same stores and every
ranking variant re-asks the same listeners. Prints one line per combination, best HR@10 first.
"""

import itertools
import time
from collections.abc import Sequence

from evaluation import metrics
from evaluation.protocol import split
from evaluation.served import ServedStack
from local import lastfm
from local.importer import catalog_item, pack_groups, play_events
from mixtape.config import RankingWeights
from mixtape.models.training_params import TrainingParams

TRAINING = {
    "default": {},
    "EASE lambda 50": {"ease_lambda": 50.0},
    "500 EASE weights": {"neighbors": 500},
    "128 factors": {"factors": 128},
}
RANKING = [
    {"factors": f, "debias": d, "genre": g}
    for f, d, g in itertools.product((1.4, 1.7, 2.0), (0.3, 0.4), (0.35, 0.5))
]


def main(seeds: Sequence[int] = (0, 1, 2)) -> None:
    data = lastfm.load()
    results: dict[tuple[str, str], list[metrics.Scores]] = {}
    for seed in seeds:
        part = split(data.plays, seed)
        stack = ServedStack()
        stack.put_items([catalog_item(data.artists[a]) for a in part.catalog])
        now_ms = int(time.time() * 1000)
        by_user: dict[int, list[dict[str, object]]] = {}
        for play in part.train:
            by_user.setdefault(play.user_id, []).extend(play_events(play, now_ms))
        stack.post_events(pack_groups(by_user.values(), 500))
        stack.drain()
        for name, training in TRAINING.items():
            stack.use_training(TrainingParams(**training))  # type: ignore[arg-type]
            stack.train()
            for ranking in RANKING:
                stack.use_ranking(RankingWeights().model_copy(update=ranking))
                ranked = {
                    user: [
                        lastfm.artist_for_item_id(i["item_id"]) or -1
                        for i in stack.recommend(lastfm.user_id_for(user), 20)["items"]
                    ]
                    for user in part.users
                }
                scores = metrics.score(ranked, part.test, len(part.catalog))
                results.setdefault((name, str(ranking)), []).append(scores)
            print(f"seed {seed}: {name} done", flush=True)
    for (name, weights), runs in sorted(results.items(), key=lambda kv: -metrics.mean(kv[1]).hr_at_10):
        m = metrics.mean(runs)
        print(
            f"{name:17s} {weights:50s} HR@10 {m.hr_at_10:.4f} NDCG@10 {m.ndcg_at_10:.4f} "
            f"R@20 {m.recall_at_20:.4f} cov@10 {m.coverage_at_10:.4f}"
        )


if __name__ == "__main__":
    main()
