"""Translation catalogs, plus format modules for languages Django has none for (FORMAT_MODULE_PATH)."""
