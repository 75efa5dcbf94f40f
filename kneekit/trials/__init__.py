"""A routine trial for one client (an n-of-1 trial of two routines in randomised blocks): its
plan, its statistics, and the judgement of what it showed.

The trial's calendar figure is in :mod:`kneekit.trials.figures`, imported on its own so that
matplotlib loads only when it is drawn. (The function ``judge`` is not re-exported: its name is
its module's.)
"""

from kneekit.trials.judge import TrialResult
from kneekit.trials.plan import TrialError, TrialPlan, make_plan, trial_status_words

__all__ = ["TrialError", "TrialPlan", "TrialResult", "make_plan", "trial_status_words"]
