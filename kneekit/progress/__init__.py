"""How a client is doing: trends, adherence, flags, the review a physio reads for each client and
the clinic overview built from those reviews, and comparisons of routine versions.

Pure functions over :class:`kneekit.history.History`. The trend and calendar figures are in
:mod:`kneekit.progress.figures`, imported on their own so that matplotlib loads only when one is
drawn. (The functions ``adherence``, ``flags``, ``review`` and ``overview`` are not re-exported
here: their names are their modules'.)
"""

from kneekit.progress.adherence import Adherence
from kneekit.progress.flags import Flag
from kneekit.progress.overview import ClinicRecords, clinic_overview
from kneekit.progress.review import ClientReview, attention_first
from kneekit.progress.thresholds import Thresholds
from kneekit.progress.variants import VariantComparison, compare_variants

__all__ = [
    "Adherence",
    "ClientReview",
    "ClinicRecords",
    "Flag",
    "Thresholds",
    "VariantComparison",
    "attention_first",
    "clinic_overview",
    "compare_variants",
]
