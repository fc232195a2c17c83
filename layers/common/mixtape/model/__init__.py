"""The learned model: training, the versioned artifact, real-time fold-in and its per-container cache."""
