"""What the open answers say: keywords (YAKE + Snowball stems) and theme tags, in English, Dutch and French.

Keywords: YAKE picks the candidate words of each group's comments (per language, stop words left
out), the Snowball stemmer of that language merges variants ("vriendelijk", "vriendelijke",
"vriendelijkheid" → one stem), and a keyword is ranked by how many answers mention it, shown in
its most frequent written form; stems of different languages shown as the same word are one keyword.

Themes: a response gets a theme when a stem of one of the theme's keywords (a word or a short
phrase) is among the stems of its comment — in the response's language, and in the other two
(stemming is cheap, answers are often mixed). A manager's correction is a "manual" row that
re-tagging never touches.
"""
from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache

import snowballstemmer
import sqlalchemy as sa

from ...extensions import db
from ...models import ResponseTag, Survey, SurveyResponse, TagSource, Theme

LANGUAGES = {"en": "english", "nl": "dutch", "fr": "french"}
GROUPS = ("promoter", "passive", "detractor")
# Intensifiers the YAKE lists keep but that never say what an answer is about.
EXTRA_STOP_WORDS = {
    "en": {"very", "really", "just", "also", "lot", "much", "bit", "got", "get", "though"},
    "nl": {"heel", "erg", "zeer", "echt", "gewoon", "wel", "even", "best", "beetje", "krijg", "krijgt", "krijgen",
           "gaat", "komt", "vond", "vind"},
    "fr": {"très", "vraiment", "trop", "bien", "fait", "peu", "tout", "tous", "pris", "avoir", "être"},
}
MAX_COMMENTS = 3000  # the most recent answers a keyword list is built from (YAKE takes ~1 s per 3,000)
CANDIDATES_PER_LANGUAGE = 60

# French (and some Dutch) elisions: l'accueil, d'attente, qu'il, j'ai → accueil, attente, il, ai.
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_local = threading.local()  # Snowball stemmer objects keep state between calls: one set per thread


def language_of(code: str | None) -> str:
    code = (code or "").lower()[:2]
    return code if code in LANGUAGES else "en"


def _keyword_extractor(**settings):
    """YAKE's extractor. YAKE (with the numpy and networkx it brings) is imported on first use: a process
    that never reads NPS comments (a publishing worker, most web requests) does not pay ~1 s of CPU for it
    at start."""
    import yake

    return yake.KeywordExtractor(**settings)


@cache
def stop_words(lang: str) -> frozenset[str]:
    """YAKE's stop word list for the language, plus a few intensifiers."""
    lang = language_of(lang)
    listed = _keyword_extractor(lan=lang).stopword_set
    return frozenset(w for w in listed if w) | EXTRA_STOP_WORDS[lang]


def _stemmer(lang: str):
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {code: snowballstemmer.stemmer(name) for code, name in LANGUAGES.items()}
    return stemmers[language_of(lang)]


def clean(text: str) -> str:
    return _ELISION.sub(" ", (text or "").replace("’", "'"))


def words(text: str) -> list[str]:
    """Lower-case words of a text, elisions dropped, numbers and punctuation left out."""
    return [w.lower() for w in _WORD.findall(clean(text)) if len(w) > 1]


def stem(word: str, lang: str) -> str:
    return _stemmer(lang).stemWord(word.lower())


def content_words(text: str, lang: str) -> list[str]:
    """The words that can be keywords: no stop words."""
    stops = stop_words(lang)
    return [w for w in words(text) if w not in stops and len(w) > 2]


# --- keywords ------------------------------------------------------------------------------------

@dataclass
class Keyword:
    stem: str
    word: str  # the most frequent written form
    responses: int  # how many answers mention it
    relevance: float  # YAKE's best score among the forms (lower = more relevant)
    forms: Counter = field(default_factory=Counter, repr=False)


def _yake_candidates(texts: list[str], lang: str) -> dict[str, float]:
    """YAKE's single-word candidates of these comments, as {stem: best score}."""
    document = "\n".join(t.strip().rstrip(".!?") + "." for t in texts if t.strip())
    if not document:
        return {}
    extractor = _keyword_extractor(lan=lang, n=1, top=CANDIDATES_PER_LANGUAGE, dedup_lim=1.0,
                                      stopwords=stop_words(lang))
    best: dict[str, float] = {}
    for phrase, score in extractor.extract_keywords(clean(document)):
        for word in words(phrase):
            if word in stop_words(lang) or len(word) <= 2:
                continue
            key = stem(word, lang)
            best[key] = min(float(score), best.get(key, float("inf")))
    return best


def _add_mentions(found: dict[str, Keyword], texts: list[str], lang: str, candidates: dict[str, float]) -> None:
    for text in texts:
        seen = set()
        for word in content_words(text, lang):
            key = stem(word, lang)
            if key not in candidates:
                continue
            kw = found.get(key)
            if kw is None:
                kw = found[key] = Keyword(stem=key, word=word, responses=0, relevance=candidates[key])
            kw.relevance = min(kw.relevance, candidates[key])
            kw.forms[word] += 1
            if key not in seen:
                seen.add(key)
                kw.responses += 1


def _most_frequent_form(forms: Counter) -> str:
    return sorted(forms.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0][0]


def _same_word_merged(found: dict[str, Keyword]) -> list[Keyword]:
    """One keyword per written word: stems of different languages that show as the same word are one.

    English stems "service" to "servic", Dutch keeps "service": without this the list showed "service"
    twice. Each answer is stemmed in its own language only, so the merged stems count different answers
    and their counts add up exactly.
    """
    by_word: dict[str, Keyword] = {}
    for kw in found.values():
        shown = _most_frequent_form(kw.forms).casefold()
        into = by_word.get(shown)
        if into is None:
            by_word[shown] = Keyword(stem=kw.stem, word=shown, responses=kw.responses, relevance=kw.relevance,
                                     forms=Counter(kw.forms))
        else:
            into.responses += kw.responses
            into.relevance = min(into.relevance, kw.relevance)
            into.forms.update(kw.forms)
    return list(by_word.values())


def _ranked(found: dict[str, Keyword], top: int) -> list[Keyword]:
    merged = _same_word_merged(found)
    for kw in merged:
        kw.word = _most_frequent_form(kw.forms)
    return sorted(merged, key=lambda k: (-k.responses, k.relevance, k.word))[:top]


def extract_keywords(comments: list[tuple[str, str]], *, top: int = 15) -> list[Keyword]:
    """Top keywords of (comment, language) pairs, variants merged by stem."""
    return _ranked(_collect(comments), top)


def _collect(comments: list[tuple[str, str]]) -> dict[str, Keyword]:
    by_language: dict[str, list[str]] = defaultdict(list)
    for text, lang in comments:
        if text and text.strip():
            by_language[language_of(lang)].append(text)
    found: dict[str, Keyword] = {}
    for lang, texts in by_language.items():
        _add_mentions(found, texts, lang, _yake_candidates(texts, lang))
    return found


def _merge(parts: list[dict[str, Keyword]]) -> dict[str, Keyword]:
    merged: dict[str, Keyword] = {}
    for part in parts:
        for key, kw in part.items():
            into = merged.setdefault(key, Keyword(stem=key, word=kw.word, responses=0, relevance=kw.relevance))
            into.responses += kw.responses
            into.relevance = min(into.relevance, kw.relevance)
            into.forms.update(kw.forms)
    return merged


def survey_keywords(*, survey: Survey, top: int = 15) -> dict[str, list[Keyword]]:
    """Keywords of a survey's comments: {"all": […], "promoter": […], "passive": […], "detractor": […]}.

    YAKE runs once per group and language; the survey's list merges the groups' counts.
    """
    rows = db.session.execute(
        sa.select(SurveyResponse.comment, SurveyResponse.language, SurveyResponse.group)
        .where(SurveyResponse.org_id == survey.org_id, SurveyResponse.survey_id == survey.id,
               SurveyResponse.comment != "")
        .order_by(SurveyResponse.created_at.desc()).limit(MAX_COMMENTS))
    comments: dict[str, list[tuple[str, str]]] = {g: [] for g in GROUPS}
    for text, lang, group in rows:
        comments.setdefault(group, []).append((text, lang))
    collected = {group: _collect(pairs) for group, pairs in comments.items()}
    result = {group: _ranked(found, top) for group, found in collected.items()}
    result["all"] = _ranked(_merge(list(collected.values())), top)
    return result


# --- themes --------------------------------------------------------------------------------------

@dataclass
class ThemeMatcher:
    theme_id: int
    # Per language, each keyword as a tuple of stems (a phrase matches when all its stems are there).
    patterns: dict[str, list[tuple[str, ...]]]

    def matches(self, stems: dict[str, set[str]]) -> bool:
        return any(all(s in stems[lang] for s in pattern)
                   for lang, patterns in self.patterns.items() for pattern in patterns)


def keyword_stems(keyword: str, lang: str) -> tuple[str, ...]:
    """A theme keyword's stems in one language (stop words of a phrase left out, unless it is all stop words)."""
    all_words = words(keyword)
    kept = [w for w in all_words if w not in stop_words(lang)] or all_words
    return tuple(stem(w, lang) for w in kept)


def matcher_for(theme: Theme) -> ThemeMatcher:
    patterns = {lang: [p for p in {keyword_stems(k, lang) for k in theme.keywords or []} if p] for lang in LANGUAGES}
    return ThemeMatcher(theme_id=theme.id, patterns=patterns)


def comment_stems(text: str) -> dict[str, set[str]]:
    """The comment's stems with each language's stemmer (cheap: a few microseconds a word)."""
    tokens = set(words(text))
    return {lang: {stem(w, lang) for w in tokens} for lang in LANGUAGES}


def matching_themes(text: str, matchers: list[ThemeMatcher]) -> set[int]:
    if not text or not text.strip():
        return set()
    stems = comment_stems(text)
    return {m.theme_id for m in matchers if m.matches(stems)}


def org_matchers(org_id: int) -> list[ThemeMatcher]:
    return [matcher_for(t) for t in db.session.scalars(sa.select(Theme).where(Theme.org_id == org_id))]


def _apply(response: SurveyResponse, matched: set[int], existing: list[ResponseTag]) -> int:
    """Make the automatic tags of one response equal to `matched`; manual rows stay as they are."""
    changes = 0
    have = {tag.theme_id: tag for tag in existing}
    for tag in existing:
        if tag.source == TagSource.AUTO and tag.theme_id not in matched:
            db.session.delete(tag)
            changes += 1
    for theme_id in matched - set(have):
        db.session.add(ResponseTag(org_id=response.org_id, response_id=response.id, theme_id=theme_id,
                                   source=TagSource.AUTO))
        changes += 1
    return changes


def tag_response(response: SurveyResponse, *, matchers: list[ThemeMatcher] | None = None) -> int:
    """Tag one response from its comment (call after the comment is saved). Returns the number of changes."""
    if matchers is None:
        matchers = org_matchers(response.org_id)
    existing = list(db.session.scalars(sa.select(ResponseTag).where(ResponseTag.response_id == response.id)))
    changes = _apply(response, matching_themes(response.comment, matchers), existing)
    db.session.flush()
    return changes


def _retag(where) -> int:
    responses = list(db.session.scalars(sa.select(SurveyResponse).where(*where)))
    if not responses:
        return 0
    matchers = org_matchers(responses[0].org_id)
    tags: dict[int, list[ResponseTag]] = defaultdict(list)
    ids = [r.id for r in responses]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for tag in db.session.scalars(sa.select(ResponseTag).where(ResponseTag.response_id.in_(chunk))):
            tags[tag.response_id].append(tag)
    changes = sum(_apply(r, matching_themes(r.comment, matchers), tags[r.id]) for r in responses)
    db.session.flush()
    return changes


def retag_survey(survey: Survey) -> int:
    """Re-tag every response of a survey (idempotent: writes only what changed, never manual rows)."""
    return _retag((SurveyResponse.org_id == survey.org_id, SurveyResponse.survey_id == survey.id))


def retag_organization(org_id: int) -> int:
    """Re-tag every response of an organization (after its themes changed)."""
    return _retag((SurveyResponse.org_id == org_id,))
