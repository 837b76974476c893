"""annotate: bilingual annotation and translation-quality datasets."""
__version__ = "0.1.0"
