"""THE label schema. Everything else is derived from it: the Label Studio labeling config
(annotate.labelstudio.config), the dataset's ClassLabels (annotate.dataset), MQM weights
(annotate.scoring) and report legends (annotate.report). Change a label here, nowhere else.

MQM categories follow Google's MQM typology as used in the WMT MQM human evaluations
(Freitag et al., 2021, "Experts, Errors, and Context"), with the same category names, so that
WMT MQM TSV files import without a mapping table.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Label:
    """A label annotators can pick: its value (stored in annotations), guidance and colour."""

    value: str
    description: str
    color: str


# ── source side: named entities ───────────────────────────────────────────────────────────────

ENTITY_LABELS: tuple[Label, ...] = (
    Label("PER", "Person: a named individual (Vladímir Putin, Kim Jong Un). Not titles alone.", "#e6194b"),
    Label("ORG", "Organisation: agencies, companies, parties, media, governments as institutions "
          "(ONU, KCNA, el Kremlin as an institution).", "#4363d8"),
    Label("LOC", "Location: countries, cities, regions, geographic and political places "
          "(Corea del Norte, Pyongyang, Vladivostok).", "#3cb44b"),
    Label("MISC", "Other named things: events, nationalities used as names, products, "
          "vehicles, treaties, titles of works (Guerra Fría, Aurus Senat).", "#f58231"),
    Label("DATE", "Dates and times, absolute or relative (el martes, en julio de 2000, 2019).", "#911eb4"),
    Label("QUANTITY", "Numbers with or without units, amounts, percentages "
          "(6.700 contenedores, 680 kilómetros, dos días).", "#42d4f4"),
)

# ── source side: factual claims ───────────────────────────────────────────────────────────────

CLAIM_TYPES: tuple[Label, ...] = (
    Label("Event", "Something happened, is happening or is scheduled: who did what, where, when.", "#ffe119"),
    Label("Quantity", "A checkable number, amount, date or statistic.", "#bfef45"),
    Label("Quote", "A statement attributed to a named source, direct («…») or reported (dijo que…).", "#fabed4"),
    Label("Relation", "A state of affairs between actors: alliances, accusations, sanctions, roles.", "#dcbeff"),
    Label("Prediction", "An expectation or forecast presented as fact-like (se espera que…).", "#ffd8b1"),
)
CLAIM_LABEL = "Claim"  # the single span label for claims; the type is a per-region choice

# ── target side: MQM ──────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class MQMCategory:
    name: str  # "Parent/Child" as in Google's MQM TSV files
    description: str
    color: str
    # Marked on the SOURCE words (Google's MQM protocol: an omission points at what the translation
    # lost, a source error at the faulty source), not on the MT; the labeling UI offers it there too.
    on_source: bool = False

    @property
    def parent(self) -> str:
        return self.name.split("/", 1)[0]


MQM_CATEGORIES: tuple[MQMCategory, ...] = (
    MQMCategory("Accuracy/Mistranslation", "Target does not accurately represent the source.", "#d62728"),
    MQMCategory("Accuracy/Omission", "Content in the source is missing from the target: mark the "
                "source words the translation lost (in the source column); only where no source word "
                "can be pointed at, the MT words next to the gap.", "#e377c2", on_source=True),
    MQMCategory("Accuracy/Addition", "Target includes content not present in the source.", "#ff9896"),
    MQMCategory("Accuracy/Untranslated text", "Source text left untranslated in the target.", "#8c564b"),
    MQMCategory("Fluency/Grammar", "Problems with grammar other than spelling and orthography "
                "(agreement, word order, articles, tense).", "#1f77b4"),
    MQMCategory("Fluency/Spelling", "Spelling or capitalisation errors.", "#aec7e8"),
    MQMCategory("Fluency/Punctuation", "Punctuation errors (Minor counts only 0.1).", "#17becf"),
    MQMCategory("Fluency/Register", "Wrong grammatical register (e.g. too informal pronouns).", "#9edae5"),
    MQMCategory("Fluency/Inconsistency", "Internal inconsistency (not related to terminology).", "#393b79"),
    MQMCategory("Fluency/Character encoding", "Characters garbled by wrong encoding.", "#5254a3"),
    MQMCategory("Fluency/Display", "Layout or display problems (line breaks, markup, spacing that "
                "breaks rendering).", "#6b6ecf"),
    MQMCategory("Terminology/Inappropriate for context", "Terminology non-standard or does not fit "
                "the context (domain terms, official names, titles).", "#2ca02c"),
    MQMCategory("Terminology/Inconsistent use of terminology", "A term translated differently "
                "within the document.", "#98df8a"),
    MQMCategory("Style/Awkward", "Grammatical but unidiomatic, awkward, or translationese.", "#ff7f0e"),
    MQMCategory("Locale convention/Date format", "Wrong date format for the target language.", "#bcbd22"),
    MQMCategory("Locale convention/Number format", "Wrong number format for the target language (the "
                "source's separators kept: 6.700 for 6,700 in English). Extension of Google's typology.", "#dbdb8d"),
    MQMCategory("Locale convention/Currency format", "Wrong currency format.", "#c7c7c7"),
    MQMCategory("Locale convention/Name format", "Wrong name format.", "#7f7f7f"),
    MQMCategory("Non-translation!", "The segment is impossible to reliably characterise "
                "(garbage, wrong language): whole segment, always weighted 25.", "#000000"),
    MQMCategory("Source error", "An error in the source, not the translation: mark the MT words that "
                "reproduce it, or the source words themselves with the source column's \"Source error in …\" "
                "button. Google's weights count it by its severity; the \"guidelines\" weighting, 0.",
                "#c49c94", on_source=True),
    MQMCategory("Other", "Any other issue.", "#f7b6d2"),
)

SOURCE_SIDE_CATEGORIES: tuple[MQMCategory, ...] = tuple(c for c in MQM_CATEGORIES if c.on_source)

NO_ERROR = "No-error"  # the category of WMT TSV rows that record a segment without errors


@dataclass(frozen=True)
class Severity:
    name: str
    description: str
    weight: float


SEVERITIES: tuple[Severity, ...] = (
    Severity("Major", "Changes or obscures the meaning, or would mislead a reader; "
             "a reader would notice and be misled or confused.", 5.0),
    Severity("Minor", "Noticeable imperfection that does not change the meaning; "
                      "the reader still understands the intended text.", 1.0),
    Severity("Neutral", "A preference or borderline issue, not an error; recorded but weighted 0.", 0.0),
)


@dataclass(frozen=True)
class MQMWeights:
    """Penalty per error: a weight per severity, and exceptions per (category, severity).

    The defaults are Google's MQM weights (Freitag et al. 2021; ``mqm_scores.py`` of
    google-research, which gave the system scores published with the WMT MQM data): Major 5,
    Minor 1, Neutral 0, Minor Fluency/Punctuation 0.1, Non-translation! 25. Every other category
    (Other and Source error included) weighs what its severity weighs. Named variants are in
    :data:`MQM_WEIGHTINGS`; any field can be overridden for a custom weighting."""

    severity: dict[str, float] = field(default_factory=lambda: {s.name: s.weight for s in SEVERITIES})
    # (category, severity) → weight; severity "*" matches any severity
    overrides: dict[tuple[str, str], float] = field(
        default_factory=lambda: {
            ("Fluency/Punctuation", "Minor"): 0.1,
            # Google's README: "a weight of 25" for this whole-segment category, at any severity as its
            # MQM Viewer applies it. Its mqm_scores.py names only Major/Non-translation! (a Minor one
            # would weigh 1 there); the TED files have no Non-translation! row to tell the two apart.
            ("Non-translation!", "*"): 25.0,
        }
    )

    def weight(self, category: str, severity: str) -> float:
        """Penalty of one error. Raises KeyError naming an unknown severity."""
        for key in ((category, severity), (category, "*")):
            if key in self.overrides:
                return self.overrides[key]
        if category == NO_ERROR:
            return 0.0
        try:
            return self.severity[severity]
        except KeyError:
            raise KeyError(f"unknown MQM severity {severity!r} (known: {sorted(self.severity)})") from None

    @classmethod
    def named(cls, name: str | None = None) -> MQMWeights:
        """The weighting called ``name`` in :data:`MQM_WEIGHTINGS` (None: the default,
        :data:`DEFAULT_MQM_WEIGHTING`). Raises ValueError listing the names."""
        name = DEFAULT_MQM_WEIGHTING if name is None else name
        try:
            return MQM_WEIGHTINGS[name]
        except KeyError:
            raise ValueError(f"unknown MQM weighting {name!r} (known: {', '.join(MQM_WEIGHTINGS)})") from None

    @property
    def name(self) -> str:
        """Which named weighting these weights are, or ``"custom"``."""
        return next((name for name, weights in MQM_WEIGHTINGS.items() if weights == self), "custom")

    def differences_from_google(self) -> list[str]:
        """Each weight that differs from Google's, worded "what → weight (Google: weight)"."""
        google = MQM_WEIGHTINGS[GOOGLE]
        notes = [f"{severity} → {weight:g} (Google: {_weight_text(google.severity.get(severity), 'none')})"
                 for severity, weight in self.severity.items() if google.severity.get(severity) != weight]
        notes += [f"{severity} dropped (Google: {weight:g})" for severity, weight in google.severity.items()
                  if severity not in self.severity]
        for category, severity in sorted(set(self.overrides) | set(google.overrides)):
            mine, theirs = self.overrides.get((category, severity)), google.overrides.get((category, severity))
            if mine != theirs:
                notes.append(f"{category}/{severity} → {_weight_text(mine)} (Google: {_weight_text(theirs)})")
        return notes

    def describe(self) -> str:
        """One line for reports and dataset cards: which weighting, and how it differs from Google's."""
        differences = self.differences_from_google()
        purpose = WEIGHTING_PURPOSES.get(self.name, "weights set in code")
        line = f"{self.name} ({purpose})"
        return f"{line}; differs from Google's: {', '.join(differences)}" if differences else line


def _weight_text(weight: float | None, missing: str = "by severity") -> str:
    return missing if weight is None else f"{weight:g}"


GOOGLE, GUIDELINES = "google", "guidelines"
GOOGLE_MQM_WEIGHTS = MQMWeights()
# Our annotation guidelines (seeds/GUIDELINES.md) give a Source error weight 0: the MT words that
# faithfully reproduce a defect of the source are recorded, not held against the MT. Google's
# published scores count them by severity, so this is a named variant, never the default.
GUIDELINES_MQM_WEIGHTS = MQMWeights(overrides={**GOOGLE_MQM_WEIGHTS.overrides, ("Source error", "*"): 0.0})
MQM_WEIGHTINGS: dict[str, MQMWeights] = {GOOGLE: GOOGLE_MQM_WEIGHTS, GUIDELINES: GUIDELINES_MQM_WEIGHTS}
WEIGHTING_PURPOSES: dict[str, str] = {
    GOOGLE: "Google's MQM weights (Freitag et al. 2021, as in Google's published WMT MQM scores): Major 5, "
            "Minor 1, Neutral 0, Minor Fluency/Punctuation 0.1, Non-translation! 25, every other category "
            "(Source error included) by its severity",
    GUIDELINES: "the annotation guidelines' weighting, where a defect of the source does not count against the MT",
}
# The weighting of every score unless `--weights` names another, so that scores compare with
# Google's; the library's functions take GOOGLE_MQM_WEIGHTS as their default, the same (tested).
DEFAULT_MQM_WEIGHTING = GOOGLE


def entity_values() -> list[str]:
    return [label.value for label in ENTITY_LABELS]


def claim_type_values() -> list[str]:
    return [label.value for label in CLAIM_TYPES]


def mqm_category_names() -> list[str]:
    return [c.name for c in MQM_CATEGORIES]


def severity_names() -> list[str]:
    return [s.name for s in SEVERITIES]


# ── ESA (Error Span Annotation, Kocmi et al. 2024; WMT's human evaluation since 2024) ─────────────
# Spans are minor or major (no category); an omission is a span on the marker appended to every
# translation; then one 0–100 score per segment, guided by the anchors below (Appraise's wording).


@dataclass(frozen=True)
class ESASeverity:
    name: str  # as the Label Studio button shows it
    value: str  # as Appraise and WMT24 write it
    description: str
    color: str


ESA_SEVERITIES: tuple[ESASeverity, ...] = (
    ESASeverity("Minor", "minor", "Style, grammar or word choice could be better or more natural.", "#f0a202"),
    ESASeverity("Major", "major", "The meaning is changed significantly, or the text is hard to understand.",
                "#c0392b"),
)
ESA_MISSING_MARKER = "[MISSING]"  # appended to each translation: mark it to flag an omission
ESA_SCORE_MIN, ESA_SCORE_MAX = 0, 100
ESA_ANCHORS: tuple[tuple[int, str], ...] = (
    (0, "no meaning preserved"),
    (33, "some meaning preserved"),
    (66, "most meaning preserved and few grammar mistakes"),
    (100, "perfect meaning and grammar"),
)


def esa_severity_values() -> dict[str, str]:
    """Label Studio button → the severity as ESA files write it (``Minor`` → ``minor``)."""
    return {severity.name: severity.value for severity in ESA_SEVERITIES}
