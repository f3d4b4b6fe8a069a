"""NPS surveys: invitations, answers, results, open-text analysis, themes, drivers, follow-ups of detractors,
promoters recruited as ambassadors, respondents' privacy."""
