"""What a runner reports about their knees: the 0–10 check-in and what its numbers mean, and the
AKPS knee questionnaire.

The AKPS figure is in :mod:`kneekit.outcomes.figures`, imported on its own so that matplotlib
loads only when a figure is drawn.
"""

from kneekit.outcomes.akps import QuestionnaireError, Score, latest_akps_words
from kneekit.outcomes.checkin import CONTEXTS, CheckIn, Context, check_in
from kneekit.outcomes.scale import ACCEPTABLE_MAX, SAFE_MAX, SCALE, SMALLEST_CHANGE

__all__ = [
    "ACCEPTABLE_MAX",
    "CONTEXTS",
    "SAFE_MAX",
    "SCALE",
    "SMALLEST_CHANGE",
    "CheckIn",
    "Context",
    "QuestionnaireError",
    "Score",
    "check_in",
    "latest_akps_words",
]
