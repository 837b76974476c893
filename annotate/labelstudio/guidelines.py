"""What annotators read: the MQM page's guidelines (in the page's collapsible panel, as Markdown)
and the project's instructions (Label Studio's "instructions" panel, as HTML), from the schema,
naming the project's languages (:class:`PageLanguages`). The page itself is
:mod:`annotate.labelstudio.config`'s."""

from __future__ import annotations

import html
from dataclasses import dataclass

from annotate import schema
from annotate.labelstudio.keyboard import keyboard_markdown
from annotate.labelstudio.review import REVIEW_GUIDANCE
from annotate.languages import SPANISH_ENGLISH, LanguagePair, language_name

# The "Correct as is" tick of a prefilled post-edit box (its Choice value, and what the guidelines call it).
POST_EDIT_CONFIRM_CHOICE = "Correct as is"


# Why: pre-annotations anchor annotators; the report measures how much (annotate.scoring.preannotation).
SUBMITTING_GUIDANCE = (
    "Submitting rates every translation on the page: a sentence of a system with no error marked counts as "
    "translated without error, so look at every column before you submit. When a system is added to a task "
    "you already submitted, its column appears and stays unrated until you mark its errors and press Update."
)
@dataclass(frozen=True)
class PageLanguages:
    """The languages' names on the labeling page and in its guidelines: "Spanish" and "English"
    for our own articles, the pair's names for another project (``push --testset … --languages
    en-de``: "English source", "the correct German of each sentence")."""

    source: str = "Spanish"
    target: str = "English"

    @classmethod
    def of(cls, pair: LanguagePair) -> PageLanguages:
        """The names of ``pair``'s languages (spaCy's; the code where it has none)."""
        return cls() if pair == SPANISH_ENGLISH else cls(language_name(pair.source), language_name(pair.target))


def suggestions_guidance(languages: PageLanguages = PageLanguages()) -> str:
    """What the pre-filled regions are, and that they are a draft."""
    return (
        "Some regions may be filled in when a task opens: suggested entities, and suggested errors (words the MT "
        f"left untranslated, numbers left in {languages.source} format, names partly translated as common words). "
        "They are a draft, not an answer: check every one "
        "(delete it, fix its label, severity or boundaries) and add everything they miss, as if you had found it "
        "yourself. Some tasks come without suggestions on purpose: label those fully."
    )


# Why: a box left as the machine translation would make that system's output the reference (and
# favour it in BLEU, chrF++ and TER); only edited or explicitly confirmed boxes are post-edits.
def post_edit_guidance(languages: PageLanguages = PageLanguages()) -> str:
    """How to post-edit, and when a box counts as a reference."""
    return (
        f"Below the columns, write the correct {languages.target} of every sentence: a fluent, accurate "
        f"translation of the {languages.source}. A box may start with a machine translation: correct it; if it "
        f"is already correct, tick \"{POST_EDIT_CONFIRM_CHOICE}\". A box left as it started and not ticked is not "
        "used as a reference."
    )


# Why: Google's MQM protocol marks an omission on the source words that were lost; an empty or
# neighbouring MT span says neither what is missing nor how much.
def source_side_guidance(languages: PageLanguages = PageLanguages()) -> str:
    """Omissions and source errors are marked in the source column."""
    return (
        f"An omission is marked on the {languages.source} words the translation lost: select them in the source "
        "column, pick the \"Omission in …\" button of the translation that dropped them (one button per MT system; "
        f"mark it once per translation that drops them), then its severity. An error in the {languages.source} "
        "itself is marked there too, with \"Source error in …\" (it does not count against the translation under "
        "the `guidelines` weighting; Google's default MQM weights count it by severity)."
    )


def guidelines_markdown(languages: PageLanguages = PageLanguages()) -> str:
    """Label definitions and severity guidance, from the schema, as Markdown."""
    lines = [f"### Entities ({languages.source} source)", ""]
    lines += [f"- **{label.value}**: {label.description}" for label in schema.ENTITY_LABELS]
    lines += ["", f"### Claims ({languages.source} source): select the claim, label it **{schema.CLAIM_LABEL}**, "
              "then pick its type", ""]
    lines += [f"- **{label.value}**: {label.description}" for label in schema.CLAIM_TYPES]
    lines += ["", "### Translation errors (each MT column): select the error span, pick the MQM "
              "category, then its severity", ""]
    lines += [f"- **{category.name}**: {category.description}" for category in schema.MQM_CATEGORIES]
    lines += ["", "**Errors marked in the source.** " + source_side_guidance(languages)]
    lines += ["", "Optionally, type a short note in the error's note box (why it is an error, what the "
              "right translation is) and press Enter: evaluators read it in the reports.",
              "", "### Severity", ""]
    lines += [f"- **{severity.name}** (weight {severity.weight:g}): {severity.description}"
              for severity in schema.SEVERITIES]
    lines += ["", "### Post-edit", "", post_edit_guidance(languages),
              "", "### Keyboard", "", keyboard_markdown(),
              "", "### Submitting", "", SUBMITTING_GUIDANCE,
              "", "### Suggestions", "", suggestions_guidance(languages),
              "", "### Review", "", REVIEW_GUIDANCE]
    return "\n".join(lines)


def expert_instruction_html(languages: PageLanguages = PageLanguages()) -> str:
    """The same guidelines as HTML, for the project's ``expert_instruction``."""
    parts = [f"<h3>Entities ({html.escape(languages.source)} source)</h3><ul>"]
    parts += [f"<li><b>{html.escape(l.value)}</b>: {html.escape(l.description)}</li>" for l in schema.ENTITY_LABELS]
    parts += [f"</ul><h3>Claims: label the span <b>{html.escape(schema.CLAIM_LABEL)}</b>, then choose its type</h3><ul>"]
    parts += [f"<li><b>{html.escape(l.value)}</b>: {html.escape(l.description)}</li>" for l in schema.CLAIM_TYPES]
    parts += ["</ul><h3>Translation errors (MQM): category, then severity</h3><ul>"]
    parts += [f"<li><b>{html.escape(c.name)}</b>: {html.escape(c.description)}</li>" for c in schema.MQM_CATEGORIES]
    parts += [f"</ul><p><b>Errors marked in the source.</b> {html.escape(source_side_guidance(languages))}</p>",
              "<h3>Severity</h3><ul>"]
    parts += [f"<li><b>{html.escape(s.name)}</b> (weight {s.weight:g}): {html.escape(s.description)}</li>"
              for s in schema.SEVERITIES]
    parts += [f"</ul><h3>Post-edit</h3><p>{html.escape(post_edit_guidance(languages))}</p>",
              f"<h3>Submitting</h3><p>{html.escape(SUBMITTING_GUIDANCE)}</p>",
              f"<h3>Suggestions</h3><p>{html.escape(suggestions_guidance(languages))}</p>",
              f"<h3>Review</h3><p>{html.escape(REVIEW_GUIDANCE)}</p>"]
    return "".join(parts)
