"""The demo's posts in Dutch and French, and which demo people read in those languages.

The brasserie writes in English, Dutch and French (its content languages); Noah and Sara read
Dutch, Olivia French, so their feeds show the Dutch and French captions.
"""
from __future__ import annotations

from ..models import Organization, Post, PostCaption, PostTranslation

CONTENT_LANGUAGES = "en nl fr"
LOCALES = {"ambassador2@demo.test": "nl", "fan3@demo.test": "nl", "ambassador5@demo.test": "fr"}

# Per post link path: the English summary, then per language its title, summary and captions.
SUMMARIES_EN = {
    "/menu/spring/asparagus": "Our spring menu starts with white asparagus from Mechelen.",
    "/blog/meet-chef-amira": "Fifteen years in Brussels kitchens, and now our head chef.",
    "/news/terrace-reopens": "Open from Saturday, every day from noon.",
    "/events/beer-pairing": "Five courses, five Brussels beers, one evening.",
}
WORDS: dict[str, dict[str, tuple[str, str, dict[str, str]]]] = {
    "/menu/spring/asparagus": {
        "nl": ("Het aspergeseizoen is begonnen", "Ons lentemenu begint met witte asperges uit Mechelen.", {
            "linkedin": "Witte asperges uit Mechelen, op Vlaamse wijze, vanaf vandaag op ons lentemenu. "
                        "Trots op onze keukenploeg!",
            "x": "Witte asperges op Vlaamse wijze: ons lentemenu start vandaag 🌱",
            "mastodon": "Witte asperges uit Mechelen, op Vlaamse wijze: ons lentemenu start vandaag.",
            "bluesky": "Aspergeseizoen! Op Vlaamse wijze, vanaf vandaag op het menu 🌱",
            "whatsapp": "Ons lentemenu is er — de asperges zijn heerlijk, kom proeven!",
        }),
        "fr": ("La saison des asperges est là", "Notre menu de printemps commence par les asperges blanches "
               "de Malines.", {
            "linkedin": "Asperges blanches de Malines, à la flamande, à notre menu de printemps dès aujourd'hui. "
                        "Fiers de notre brigade !",
            "x": "Asperges blanches à la flamande : notre menu de printemps commence aujourd'hui 🌱",
            "mastodon": "Asperges blanches de Malines, à la flamande : notre menu de printemps commence aujourd'hui.",
            "bluesky": "C'est la saison des asperges ! À la flamande, au menu dès aujourd'hui 🌱",
            "whatsapp": "Notre menu de printemps est sorti — les asperges sont délicieuses, venez goûter !",
        }),
    },
    "/blog/meet-chef-amira": {
        "nl": ("Maak kennis met onze nieuwe chef, Amira", "Vijftien jaar in Brusselse keukens, nu onze chef-kok.", {
            "linkedin": "Maak kennis met Amira, onze nieuwe chef-kok: vijftien jaar in Brusselse keukens en een "
                        "passie voor Noordzeevis.",
            "x": "Zeg hallo tegen Amira, onze nieuwe chef-kok 👩‍🍳",
            "whatsapp": "Ken je onze nieuwe chef Amira al? Lees haar verhaal:",
        }),
        "fr": ("Voici Amira, notre nouvelle cheffe", "Quinze ans dans les cuisines bruxelloises, et maintenant "
               "notre cheffe.", {
            "linkedin": "Voici Amira, notre nouvelle cheffe : quinze ans dans les cuisines bruxelloises et une "
                        "passion pour les poissons de la mer du Nord.",
            "x": "Dites bonjour à Amira, notre nouvelle cheffe 👩‍🍳",
            "whatsapp": "Vous connaissez déjà notre nouvelle cheffe Amira ? Lisez son histoire :",
        }),
    },
    "/news/terrace-reopens": {
        "nl": ("Ons terras gaat zaterdag open", "Vanaf zaterdag open, elke dag vanaf de middag.", {
            "linkedin": "De zon is terug en ons terras ook: open vanaf zaterdag, elke dag vanaf 12 uur.",
            "x": "Terrasseizoen ☀️ Open vanaf zaterdag, elke dag vanaf 12 uur.",
            "whatsapp": "Ons terras gaat zaterdag open — tot dan?",
        }),
        "fr": ("La terrasse rouvre samedi", "Ouverte dès samedi, tous les jours à partir de midi.", {
            "linkedin": "Le soleil est de retour, notre terrasse aussi : ouverte dès samedi, tous les jours à "
                        "partir de midi.",
            "x": "Saison des terrasses ☀️ Ouverte dès samedi, tous les jours à partir de midi.",
            "whatsapp": "Notre terrasse rouvre samedi — on s'y retrouve ?",
        }),
    },
    "/events/beer-pairing": {
        "nl": ("Brusselse bier-en-spijsavond", "Vijf gangen, vijf Brusselse bieren, één avond.", {
            "linkedin": "Vijf gangen, vijf Brusselse bieren: schuif aan op onze bier-en-spijsavond met "
                        "Brasserie de la Senne.",
            "x": "Vijf gangen, vijf Brusselse bieren 🍺 Reserveer je plaats voor onze bier-en-spijsavond.",
            "whatsapp": "Zin in een bier-en-spijsdiner? Vijf gangen, vijf Brusselse bieren:",
        }),
        # No French words yet: French readers get the English ones (the editor marks French as missing).
    },
}


def add_words(*, org: Organization, post: Post) -> None:
    """The post's English summary and its Dutch and French words, where the demo has them."""
    path = post.link_url.removeprefix("https://example.com")
    post.translations.append(PostTranslation(lang=org.default_locale, title=post.title,
                                             summary=SUMMARIES_EN.get(path, "")))
    for lang, (title, summary, captions) in WORDS.get(path, {}).items():
        post.translations.append(PostTranslation(lang=lang, title=title, summary=summary))
        post.captions.extend(PostCaption(network=net, lang=lang, text=text) for net, text in captions.items())
