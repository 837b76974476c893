"""Translation-quality scoring: automatic metrics (sacrebleu), paired significance and clusters,
MQM from human error annotations, inter-annotator agreement, rater effects and metric–human
correlation.

Each module has a narrow public API (in the style of ``sacrebleu.metrics``):

* :mod:`annotate.scoring.metrics` — corpus and sentence BLEU / chrF++ / TER with signatures;
* :mod:`annotate.scoring.significance` — paired bootstrap / approximate randomization vs a
  baseline, 95% CIs, WMT-style significance clusters;
* :mod:`annotate.scoring.mqm` — MQM per segment / document / system, category × severity breakdown;
* :mod:`annotate.scoring.agreement` — span F1, severity agreement, Krippendorff's alpha;
* :mod:`annotate.scoring.raters` — each rater's strictness, each system's rater mix, rater-adjusted MQM;
* :mod:`annotate.scoring.correlation` — Pearson and Kendall between metrics and −MQM, by item
  and system-level pairwise accuracy;
* :mod:`annotate.scoring.budget` — rated segments needed to separate adjacent systems;
* :mod:`annotate.scoring.preannotation` — what became of the suggested spans (kept, relabelled,
  resized, deleted), per label, from scratch vs started from the suggestions;
* :mod:`annotate.scoring.effort` — annotation time from Label Studio's ``lead_time``.

sacrebleu, numpy and scipy are imported inside these modules, never by ``annotate --help``.
"""
