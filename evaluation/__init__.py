"""Offline evaluation of Mixtape's rankings on Last.fm HetRec 2011 (`make eval`)."""
