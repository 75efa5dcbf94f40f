"""ipywidgets views over the kneekit core: thin, with the rules kept in the core."""

from kneekit.widgets.checkin import CheckInForm
from kneekit.widgets.client import client_page
from kneekit.widgets.clinic import ClinicOverview
from kneekit.widgets.lab import RoutineLab
from kneekit.widgets.player import SessionPlayer
from kneekit.widgets.trends import TrendsView

__all__ = [
    "CheckInForm",
    "ClinicOverview",
    "RoutineLab",
    "SessionPlayer",
    "TrendsView",
    "client_page",
]
