"""Export binaries (SavedModel, TFLite)."""
