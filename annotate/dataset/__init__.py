"""Annotated documents → a Hugging Face dataset folder (``datasets/<name>/``): a README.md card whose
YAML declares every config with typed features, and parquet files per config and split, loadable
offline with ``datasets.load_dataset(folder, config)``.

Configs: ``segments`` (default), ``documents``, ``ner``, ``claims``, ``word_qe``, ``translation``, ``systems``; see
``annotate.dataset.features``; and ``esa``, ``esa_systems`` from ESA ratings (``esa_rows``, ``esa_inputs``,
``esa_build``: ESA files alone, or an export's ESA tasks next to its documents). Modules: ``checks`` (span and label validation), ``rows`` (records →
rows, selection rules), ``bio`` (char spans → BIO), ``scores`` (sacrebleu, MQM), ``splits``,
``writer`` (streaming parquet), ``card`` (README.md), ``build`` (orchestration), ``hub`` (push).
"""

from annotate.dataset.build import DEFAULT_DESCRIPTION, BuildReport, build_dataset
from annotate.dataset.checks import DatasetBuildError
from annotate.dataset.features import CONFIG_NAMES, DEFAULT_CONFIG
from annotate.dataset.hub import HubPushError, push_dataset_to_hub

__all__ = [
    "CONFIG_NAMES",
    "DEFAULT_CONFIG",
    "DEFAULT_DESCRIPTION",
    "BuildReport",
    "DatasetBuildError",
    "HubPushError",
    "build_dataset",
    "push_dataset_to_hub",
]
