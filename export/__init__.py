"""Export binaries (SavedModel) and their library."""
