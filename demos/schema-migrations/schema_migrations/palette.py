"""The Schema Chronicle's look: the CHRONICLER's persona and its colours (seed plan §9.2).

Lime ink for history written (an apply, a column added), rose for history unwritten (a
rollback, a column gone), slate for the ghosts of a dry run.
"""

PERSONA = "📜 CHRONICLER"
VILLAIN = "🕳️ REVISIONIST"
TITLE = "The Schema Chronicle"

LIME = "#a3e635"  # applied, added, kept
ROSE = "#fb7185"  # rolled back, dropped, lost
SLATE = "#94a3b8"  # dry runs, notes
PARCHMENT = "#ecfccb"  # the chronicle's text on the dark background
