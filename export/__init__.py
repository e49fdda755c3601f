"""Export binaries (SavedModel, TFLite) live here; see the export issue."""
